"""Typing a date as the NHS.UK date input asks for it, at desktop and phone widths: the evidence form shows Day, Month
and Year boxes with a hint in their order, refuses a date that does not exist with a message linking to the day box,
then saves the entry; the administrator's assignment list ends an assignment the same way. Every page passes axe-core,
logs no console error and fits a phone; screenshots are also kept under /tmp/shots-words/."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.pages import ARTIFACTS, _slug, fill_date
from tests.support import clock

SHOTS = Path("/tmp/shots-words")


def _keep(tab) -> None:
    """Copies the screenshots check() took so far (both widths) outside the repository, to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in (ARTIFACTS / _slug(tab.session.test_name)).glob("*.png"):
        shutil.copy(shot, SHOTS / f"{_slug(tab.session.test_name)[-30:]}-{shot.name}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_entry_is_logged_with_the_day_month_and_year_boxes(browsing, width):
    tab = browsing.sign_in("trainee", width=width)
    page = tab.page
    tab.goto("/logbook/new?kind=logbook.clinic")
    group = page.get_by_role("group", name="Date", exact=True)
    today = clock.today()
    assert group.get_by_label("Day", exact=True).input_value() == str(today.day)
    assert group.get_by_label("Month", exact=True).input_value() == str(today.month)
    assert group.get_by_label("Year", exact=True).input_value() == str(today.year)
    assert page.locator("input[type=date]").count() == 0, "a browser date picker is still on the page"
    assert "For example, 30 11 2026" in page.locator("#occurred_on-hint").inner_text()
    tab.check(f"evidence form with the date boxes ({width})")
    _keep(tab)

    page.get_by_label("Title").fill(f"Clinic: general pain clinic, 8 new patients ({width})")
    page.get_by_label("Supervision level").select_option("2b")
    page.locator("details[open] input[name=competencies]").first.check()
    fill_date(page, "Date", ("31", "2", str(today.year)))
    tab.expect_refusal(400)
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state("load")
    summary = page.locator(".nhsuk-error-summary")
    assert f"February {today.year} has no day 31" in summary.inner_text()
    assert summary.get_by_role("link").first.get_attribute("href") == "#occurred_on-day"
    assert "nhsuk-input--error" in (page.locator("#occurred_on-day").get_attribute("class") or "")
    assert "nhsuk-input--error" not in (page.locator("#occurred_on-year").get_attribute("class") or "")
    assert page.locator("#occurred_on-day").input_value() == "31", "what was typed is lost"
    tab.check(f"evidence form with an impossible date ({width})")
    _keep(tab)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "occurred_on-day"

    when = today - timedelta(days=4)
    fill_date(page, "Date", when)
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state("load")
    assert tab.path.startswith("/logbook/"), tab.path
    assert (
        when.strftime("%-d %B %Y") in page.locator("main").inner_text()
        or when.strftime("%-d %b %Y") in page.locator("main").inner_text()
    )
    tab.check(f"entry saved with its date ({width})")
    _keep(tab)


def test_the_logbook_filter_and_the_assignment_list_use_the_same_boxes(browsing):
    tab = browsing.sign_in("trainee")
    page = tab.page
    tab.goto("/logbook/")
    page.locator("details summary").filter(has_text="Filter").first.click()
    fill_date(page, "From (optional)", ("1", "1", "2020"))
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_load_state("load")
    assert "date_from-day=1" in page.url
    assert page.get_by_role("group", name="From (optional)", exact=True).get_by_label("Year", exact=True).input_value() == "2020"
    tab.check("logbook filtered from a date")
    _keep(tab)

    admin = browsing.sign_in("admin")
    admin.goto("/admin/assignments")
    end = admin.page.locator("form.app-inline-form").first
    assert end.get_by_label("Day", exact=True).input_value() == str(clock.today().day)
    admin.check("assignments with end date boxes")
    _keep(admin)
