"""A trainee signs in, logs a DOPS and asks for its sign-off with the keyboard alone: Tab to move, typing to fill,
Space to tick, Enter to follow links and submit; never a click. Every stop on the way shows where the focus is."""

from __future__ import annotations

from tests.browser.pages import DEMO, DEMO_PASSWORD


def choose(tab, select: str, typed: str, expected_value: str) -> None:
    """Pick an option of a focused select by typing its first letters, as keyboard users do."""
    tab.tab_to(select)
    tab.page.keyboard.type(typed, delay=30)
    value = tab.page.eval_on_selector(select, "e => e.value")
    assert value == expected_value, f"typing {typed!r} in {select} chose {value!r}"


def test_trainee_logs_a_dops_and_asks_for_sign_off_with_the_keyboard_only(browsing):
    tab = browsing.open("trainee")
    tab.goto("/login")
    keys = tab.page.keyboard

    tab.page.keyboard.press("Tab")
    assert "Skip to main content" in tab.focused(), "the first Tab stop is not the skip link"
    tab.tab_to("#email")
    keys.type(DEMO["trainee"])
    tab.tab_to("#password")
    keys.type(DEMO_PASSWORD)
    keys.press("Enter")
    tab.page.wait_for_url("**/")
    tab.shot("signed in by keyboard")

    tab.tab_to('a[href="/logbook/"]')
    keys.press("Enter")
    tab.page.wait_for_url("**/logbook/")
    tab.tab_to('a[href="/logbook/new"]')
    keys.press("Enter")
    tab.page.wait_for_url("**/logbook/new")

    choose(tab, "#evidence_type", "DOPS", "wba.dops")
    tab.tab_to("#title")
    keys.type("DOPS: L5/S1 transforaminal nerve root block")
    choose(tab, "#setting", "Theatre", "theatre")
    choose(tab, "#supervision_level", "2b", "2b")
    choose(tab, "#technique", "Nerve", "nerve_root_block")
    choose(tab, "#guidance", "X", "xray")
    tab.tab_to("#competency-S3_PM_03")
    keys.press("Space")
    assert tab.page.is_checked("#competency-S3_PM_03"), "Space did not tick the competency"
    tab.tab_to("#notes")
    keys.type("Contrast spread checked before injecting; discussed radiation dose.")
    tab.shot("evidence form filled by keyboard")
    tab.tab_to('input[name="signoff_to"]')
    keys.press("Space")
    assert tab.page.is_checked('input[name="signoff_to"][value]:focus'), "Space did not choose the supervisor"
    tab.tab_to('button[name="then"][value="signoff"]')
    keys.press("Enter")
    tab.page.wait_for_url("**/logbook/*")
    assert "asked Dr James Whitfield to sign it off" in tab.flash_text()
    tab.shot("sign-off requested by keyboard")
