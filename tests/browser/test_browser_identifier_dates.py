"""Dates in a note, in the browser at desktop and phone widths: a date of birth is refused with the words to remove
beside the notes and in the error summary; the same note with only the clinic's own date is saved as written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import clock

SEEN = f"{clock.today() - timedelta(days=40):%d/%m/%Y}"  # a recent clinic, whenever the journey runs
REFUSED = f"DOB 12/03/1956, reviewed in clinic on {SEEN} after L4/5 and L5/S1 medial branch blocks."
KEPT = f"Reviewed in clinic on {SEEN} after L4/5 and L5/S1 medial branch blocks: NRS 8/10 down to 2/10."


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_date_of_birth_is_refused_beside_the_notes_and_a_clinic_date_is_kept(browsing, width):
    tab = browsing.sign_in("trainee", width=width)
    page = tab.page
    tab.goto("/logbook/new?kind=logbook.clinic")
    title = f"Lumbar facet pain clinic ({width})"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Supervision level").select_option("2b")
    page.locator("details[open] input[name=competencies]").first.check()
    notes = page.locator("#notes")
    notes.fill(REFUSED)

    tab.expect_refusal(400)
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state("load")
    message = 'Remove "DOB 12/03/1956": it looks like a date of birth. Free text must not identify a patient.'
    assert message in page.locator("#notes-error").inner_text()
    assert page.locator(".nhsuk-error-summary a[href='#notes']").inner_text().strip() == message
    assert notes.input_value() == REFUSED  # what was typed comes back to be edited
    assert "notes-error" in (notes.get_attribute("aria-describedby") or "")
    tab.check(f"date of birth refused beside the notes ({width})")

    notes.fill(KEPT)
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state("load")
    assert not page.locator(".nhsuk-error-summary").count()
    assert page.get_by_text(KEPT).count() == 1, "the note is not shown as written"
    tab.check(f"clinic note kept with its date ({width})")
