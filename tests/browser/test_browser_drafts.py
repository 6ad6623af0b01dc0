"""Never losing work in a browser: a trainee's half-written reflection is kept as a draft as they type; the time-out
warning comes before the idle session ends ("Stay signed in" and Escape keep them in); when the session does end, the
dialog says so and links to sign in, and after signing in again the form offers the draft back and restores it.
The page's clock is Playwright's (fast-forwarded like a laptop lid closed); the server's idle time-out is shortened
for the one step where the session must really end. Every step passes axe-core at 1280 and 360 px, dialog open too."""

from __future__ import annotations

import time
from datetime import timedelta

REFLECTION = "What happened: a difficult conversation about stopping opioids. What I learned: ask early about fears."


def _dialog(tab):
    return tab.page.locator("#app-timeout .app-timeout__dialog")


def test_a_reflection_survives_a_time_out_and_the_warning_keeps_the_session(browsing, live_server):
    tab = browsing.sign_in("trainee")
    tab.page.clock.install()
    tab.goto("/logbook/new?type=reflection")
    tab.page.get_by_label("Title").fill("Opioid conversation")
    tab.page.get_by_label("Reflection").fill(REFLECTION)
    status = tab.page.locator(".app-draft-status")
    status.wait_for(state="visible")
    assert "kept as a draft" in status.inner_text()
    assert not _dialog(tab).is_visible()
    tab.check("reflection typed, kept as a draft")

    # Shortly before the hour's idle time-out: the warning, focus inside it, the time left said sparingly.
    tab.page.clock.fast_forward("58:30")
    dialog = _dialog(tab)
    dialog.wait_for(state="visible")
    assert "You're about to be signed out" in dialog.inner_text() and "2 minutes" in dialog.inner_text()
    assert tab.page.evaluate("() => document.activeElement.closest('[role=dialog]') !== null")
    assert "signed out in 2 minutes" in tab.page.locator(".app-timeout__spoken").inner_text()
    assert tab.page.evaluate("() => document.querySelector('header').inert")  # the rest of the page is out of reach
    tab.check("time-out warning")
    for _ in range(4):  # focus stays in the dialog
        tab.page.keyboard.press("Tab")
        assert tab.page.evaluate("() => document.activeElement.closest('[role=dialog]') !== null")
    tab.page.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    assert not tab.page.evaluate("() => document.querySelector('header').inert")

    # The keep-alive restarted the server's idle time too: the next warning is an hour on. Escape also stays.
    tab.page.clock.fast_forward("58:30")
    dialog.wait_for(state="visible")
    tab.page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # The session really ends (the server's idle time-out shortened), and the page's clock passes its end.
    config = live_server.app.config
    idle = config["SESSION_IDLE_TIMEOUT"]
    config["SESSION_IDLE_TIMEOUT"] = timedelta(seconds=2)
    try:
        time.sleep(3)
        tab.page.clock.fast_forward("01:01:00")
        ended = tab.page.locator(".app-timeout__ended")
        ended.wait_for(state="visible")
        assert "You have been signed out" in ended.inner_text() and "kept as a draft" in ended.inner_text()
        tab.check("time-out: signed out")
        tab.page.get_by_role("button", name="Sign in again").click()
        tab.page.wait_for_load_state("load")
        assert tab.path.startswith("/login?next=")
        assert "You were signed out after 2 seconds without activity" in tab.page.locator("main").inner_text()
    finally:
        config["SESSION_IDLE_TIMEOUT"] = idle
    tab.page.get_by_label("Email address").fill("trainee@example.org")
    tab.page.get_by_label("Password").fill("pain-demo-2026")
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_load_state("load")
    assert tab.path == "/logbook/new?type=reflection", tab.path

    # Back on the form: the draft is offered, then restored by a plain link.
    offer = tab.page.locator(".app-draft-offer")
    assert "You have unsaved changes from" in offer.inner_text()
    assert tab.page.get_by_label("Reflection").input_value() == ""
    tab.check("form offering the draft back")
    tab.page.get_by_role("link", name="Restore your unsaved changes").click()
    tab.page.wait_for_load_state("load")
    assert tab.page.get_by_label("Reflection").input_value() == REFLECTION
    assert tab.page.get_by_label("Title").input_value() == "Opioid conversation"
    assert "are in the form below" in offer.inner_text()
    tab.check("draft restored into the form")
