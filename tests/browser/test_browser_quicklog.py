"""Logging in seconds: from the home page, a clinic with a sign-off request to the trainee's one supervisor takes at
most six interactions at desktop and phone widths; the form shows only a clinic's details, started from the last
clinic; the phone header stays compact with its navigation behind "Menu"; every page passes axe-core."""

from __future__ import annotations

import pytest

from tests.browser.pages import WIDTHS

MOST_INTERACTIONS = 6
HEADER_SHARE = 0.20  # of the phone screen (pages.WIDTHS: 360 x 740)


class Counter:
    """Counts what the user does: a click, a field filled (however long the typing) or an option chosen."""

    def __init__(self):
        self.count = 0

    def __call__(self, action, *args, **kwargs):
        self.count += 1
        return action(*args, **kwargs)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_clinic_sent_for_sign_off_from_home_takes_at_most_six_interactions(browsing, width):
    tab = browsing.sign_in("trainee", width=width)
    page = tab.page
    tab.goto("/")
    tab.check(f"home with record evidence ({width})")
    assert page.get_by_role("link", name="Record evidence").is_visible()
    title = f"New patient pain clinic ({width})"

    act = Counter()
    act(page.get_by_role("link", name="Log a clinic").click)
    assert tab.path.startswith("/logbook/new?kind=logbook.clinic"), tab.path
    assert page.get_by_label("Type of evidence").input_value() == "logbook.clinic"
    assert not page.locator("#technique").is_visible() and not page.locator("#reflection").is_visible()
    assert not page.locator("#attachment").is_visible(), "a clinic shows a file upload"
    assert page.locator("label[for=supervision_level]").inner_text().strip() == "Supervision level"
    assert page.get_by_label("Dr James Whitfield (educational supervisor)").is_checked(), "the one supervisor is not chosen"
    tab.check(f"clinic form ({width})")

    act(page.get_by_label("Title").fill, title)
    act(page.get_by_label("Supervision level").select_option, "2b")
    box = page.locator("details[open] input[name=competencies]").first
    act(box.check)
    act(page.get_by_role("button", name="Save and send for sign-off").click)
    page.wait_for_load_state("load")
    assert "asked Dr James Whitfield to sign it off" in page.locator(".app-flash").inner_text()
    assert page.locator("main table tr").filter(has_text="Dr James Whitfield").filter(has_text="Pending").count() == 1
    assert act.count <= MOST_INTERACTIONS, f"{act.count} interactions"
    tab.check(f"clinic sent for sign-off ({width})")


def test_changing_the_kind_shows_its_details_at_once_and_drops_the_last_clinic_values(browsing):
    tab = browsing.sign_in("trainee")
    page = tab.page
    tab.goto("/logbook/new?kind=logbook.clinic")
    hospital = page.locator("#hospital").input_value()
    page.get_by_label("Type of evidence").select_option("logbook.procedure")
    assert page.locator("#technique").is_visible() and page.locator("#guidance").is_visible()
    if hospital:  # started from the last clinic: not carried to a procedure
        assert page.locator("#hospital").input_value() == ""
    page.get_by_label("Type of evidence").select_option("reflection")
    assert not page.locator("#setting").is_visible() and page.locator("#reflection").is_visible()
    assert page.locator("label[for=reflection]").inner_text().strip() == "Reflection"
    page.get_by_label("Type of evidence").select_option("wba.cbd")
    assert page.locator("label[for=reflection]").inner_text().strip() == "Reflection (optional)"
    tab.check("evidence form switched to a CBD")


def test_the_phone_header_is_compact_with_navigation_behind_the_menu(browsing):
    for width, (_, h) in WIDTHS.items():
        tab = browsing.sign_in("trainee", width=width)
        tab.goto("/")
        tab.page.wait_for_timeout(200)
        height = tab.page.locator("header.nhsuk-header").bounding_box()["height"]
        if width == "phone":
            assert height <= HEADER_SHARE * h, f"the header takes {height:.0f} px of a {h} px screen"
        else:
            assert tab.page.get_by_role("link", name="Logbook").first.is_visible()
        tab.shot(f"header ({width})")
