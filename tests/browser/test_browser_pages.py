"""Every role signs in through the form; the shared pages (home, stages, competency, about, sign-in, change password)
pass axe-core at desktop and phone widths and fit a 360 px screen, including when a form comes back with errors."""

from __future__ import annotations

import pytest

from tests.browser.pages import DEMO

LEVELS = ("basic", "intermediate", "higher", "advanced")


def test_sign_in_page_and_a_wrong_password_are_accessible(browsing):
    tab = browsing.open()
    tab.goto("/login")
    tab.check("sign in")
    tab.page.get_by_label("Email address").fill(DEMO["trainee"])
    tab.page.get_by_label("Password", exact=True).fill("not-the-password")
    tab.expect_refusal(400)
    with tab.page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        tab.page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 400
    summary = tab.page.locator(".nhsuk-error-summary")
    assert "The email address or password is not right" in summary.inner_text()
    # NHS.UK's script moves the focus to the summary, so screen readers announce the problem first.
    tab.page.wait_for_function("document.activeElement && document.activeElement.matches('.nhsuk-error-summary')")
    assert tab.page.get_by_label("Email address").input_value() == DEMO["trainee"], "the typed email was lost"
    tab.check("sign in with a wrong password")


@pytest.mark.parametrize("who", ["trainee", "trainee2010", "supervisor", "director", "director.nw", "admin"])
def test_every_demo_role_signs_in_to_an_accessible_home_page(browsing, who):
    tab = browsing.sign_in(who)
    assert tab.page.locator(".app-account-name").inner_text().strip(), "the header does not say who is signed in"
    tab.check(f"home ({who})")


def test_trainee_stage_pages_and_a_competency_are_accessible(browsing):
    tab = browsing.sign_in("trainee")
    tab.page.get_by_role("link", name="Stages").first.click()
    for level in LEVELS:
        if level != "basic":
            tab.page.get_by_role("navigation", name="Stages").get_by_role("link").filter(has_text=_stage_name(tab, level)).click()
        assert tab.path.startswith(f"/{level}/"), tab.path
        tab.check(f"{level} stage (trainee)")
    first = tab.page.locator("table a[href*='/competency/']").first
    code = first.locator("strong").inner_text()
    first.click()
    assert f"/competency/{code}" in tab.path
    tab.check(f"competency {code} (trainee)")
    tab.page.locator(".nhsuk-back-link a, a.nhsuk-back-link").first.click()
    assert tab.path.startswith("/advanced/")


def _stage_name(tab, level: str) -> str:
    """The stage's name in the trainee's curriculum, read from its link (2021 names differ from 2010's)."""
    return tab.page.locator(f"nav[aria-label='Stages'] a[href^='/{level}/']").inner_text()


def test_supervisor_picks_a_trainee_on_a_stage_page(browsing):
    tab = browsing.sign_in("supervisor")
    tab.goto("/higher/")
    tab.check("higher stage trainee picker (supervisor)")
    picker = tab.page.get_by_label("Trainee")
    picker.select_option(picker.locator("option", has_text="Dr Aisha Khan").get_attribute("value"))
    tab.page.get_by_role("button", name="Show").click()
    assert "trainee=" in tab.path
    assert "Dr Aisha Khan" in tab.page.locator("main").inner_text()
    tab.check("higher stage of a trainee (supervisor)")


def test_about_page_is_accessible_without_signing_in(browsing):
    tab = browsing.open()
    tab.goto("/about")
    tab.check("about")


def test_change_password_refuses_a_bad_input_accessibly(browsing):
    tab = browsing.sign_in("trainee2010")
    tab.page.get_by_role("link", name="Change password").click()
    tab.check("change password")
    tab.page.get_by_label("Current password").fill("wrong-current-password")
    tab.page.get_by_label("New password", exact=True).fill("short")
    tab.page.get_by_label("Confirm new password").fill("different")
    tab.expect_refusal(400)
    with tab.page.expect_response(lambda r: r.request.method == "POST") as answer:
        tab.page.get_by_role("button", name="Change password").click()
    assert answer.value.status == 400
    summary = tab.page.locator(".nhsuk-error-summary")
    assert "do not match" in summary.inner_text()
    # The summary's links take the user to the field at fault.
    summary.get_by_role("link").first.click()
    assert tab.page.evaluate("document.activeElement.tagName") == "INPUT"
    tab.check("change password with errors")
