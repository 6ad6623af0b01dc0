"""Logging in seconds: from the home page, a clinic with a sign-off request to the trainee's one supervisor takes at
most six interactions at desktop and phone widths; the form shows only a clinic's details, started from the last
clinic; the phone header stays compact with its navigation behind "Menu"; every page passes axe-core."""

from __future__ import annotations

import pytest

from tests.browser.pages import ARTIFACTS, DEMO, DEMO_PASSWORD, WIDTHS

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
    assert "asked Dr James Whitfield to sign it off" in tab.flash_text()
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


def test_without_javascript_the_kind_comes_first_and_a_clinic_still_takes_six_interactions(chromium, live_server):
    w, h = WIDTHS["phone"]
    context = chromium.new_context(viewport={"width": w, "height": h}, java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login")
        page.get_by_label("Email address").fill(DEMO["trainee"])
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        header = page.locator("header.nhsuk-header").bounding_box()["height"]
        assert header <= HEADER_SHARE * h, f"without scripts the header takes {header:.0f} px of a {h} px screen"
        page.get_by_role("link", name="Record evidence").click()
        page.wait_for_load_state("load")
        assert not page.locator("#technique").is_visible() and not page.locator("#setting").is_visible()
        page.get_by_label("Type of evidence").select_option("logbook.procedure")
        page.get_by_label("Title").fill("Typed before the kind's details")
        page.get_by_role("button", name="Show the details for this type").click()
        page.wait_for_load_state("load")
        assert page.locator("#technique").is_visible() and not page.locator("#reflection").is_visible()
        assert page.get_by_label("Title").input_value() == "Typed before the kind's details"
        _shot(page, "no script: procedure details shown")

        page.goto(live_server.url + "/")
        act = Counter()
        act(page.get_by_role("link", name="Log a clinic").click)
        page.wait_for_load_state("load")
        assert page.locator("#setting").is_visible() and not page.locator("#technique").is_visible()
        act(page.get_by_label("Title").fill, "Clinic logged without scripts")
        act(page.get_by_label("Supervision level").select_option, "2b")
        act(page.locator("details[open] input[name=competencies]").first.check)
        act(page.get_by_role("button", name="Save and send for sign-off").click)
        assert "asked Dr James Whitfield to sign it off" in page.locator(".app-flash").inner_text()
        assert act.count <= MOST_INTERACTIONS, f"{act.count} interactions"
        _shot(page, "no script: clinic sent for sign-off")
    finally:
        context.close()


def _shot(page, step: str) -> None:
    target = ARTIFACTS / "quicklog-without-javascript" / f"{step.replace(' ', '-').replace(':', '')}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
