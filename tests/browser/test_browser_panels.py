"""ARCP panels in a browser: the director opens the demo panel, filters it by colour, and schedules a panel through the
two-step form (a refused date first); every step passes axe-core at both widths and fits a phone."""

from __future__ import annotations

from datetime import timedelta

from tests.browser.pages import fill_date
from tests.support import clock


def test_director_reads_a_panel_and_schedules_another(browsing):
    tab = browsing.sign_in("director")
    tab.page.get_by_role("link", name="ARCP panels").first.click()
    tab.page.get_by_role("link", name="London ARCP panel (ST6)").click()
    assert tab.path.startswith("/panels/"), tab.path
    assert "Evidence cut-off" in tab.page.locator("main").inner_text()
    tab.check("ARCP panel (director)")
    tab.page.get_by_role("link", name="Red (not ready)").click()
    assert "colour=red" in tab.path
    tab.check("ARCP panel, red only (director)")

    tab.goto("/panels/new")
    tab.check("schedule a panel: choose the scope")
    tab.page.get_by_label("Region or cohort").select_option(label="Whole region: London")
    tab.page.get_by_role("button", name="Continue").click()
    tab.page.wait_for_load_state("load")
    assert tab.page.locator("input[name=trainees]:checked").count() > 0, "the scope's trainees are not ticked"
    tab.check("schedule a panel: its trainees")
    tab.page.get_by_label("Training year reviewed").select_option("ST6")
    fill_date(tab.page, "Panel date", clock.today())
    tab.expect_refusal(400)
    tab.page.get_by_role("button", name="Schedule panel").click()
    assert "must be in the future" in tab.page.locator(".nhsuk-error-summary").inner_text()
    tab.check("schedule a panel with a past date")
    fill_date(tab.page, "Panel date", clock.today() + timedelta(days=70))
    tab.page.get_by_role("button", name="Schedule panel").click()
    assert "scheduled; the evidence cut-off is" in tab.page.locator("main").inner_text()
    tab.check("scheduled panel (director)")
