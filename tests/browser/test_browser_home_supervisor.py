"""The supervisor's home answers "what is waiting for me" at 1280 and 360 px: sign-offs with the oldest wait, the MSF
round to release, HALOs and ARCP panels coming, returned or flagged trainees, and the trainee list with each
trainee's own stage names, readable on a phone (stacked rows, nothing clipped); axe clean, no console errors."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.pages import WIDTHS

SHOTS = Path("/tmp/shots-super")


def _shots(tab, name: str) -> None:
    """A full-page screenshot at each width, kept for review beside the journey's own."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = tab.page.viewport_size
    for width_name, (width, height) in WIDTHS.items():
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.page.wait_for_timeout(150)
        tab.page.screenshot(path=str(SHOTS / f"{name}-{width_name}.png"), full_page=True)
    tab.page.set_viewport_size(original)


def test_supervisor_home_says_what_is_waiting_at_desktop_and_phone_widths(browsing):
    tab = browsing.sign_in("supervisor")
    page = tab.page
    tab.goto("/")
    tab.check("supervisor home")
    _shots(tab, "supervisor-home")
    main = page.locator("main")
    assert page.get_by_role("heading", name="Waiting for you").is_visible()
    waiting = main.get_by_role("link", name=re.compile(r"^\d+ sign-offs? waiting, (oldest )?waiting \d+ days?$"))
    assert waiting.count() == 1, main.inner_text()[:800]
    assert main.get_by_role("link", name=re.compile(r"^1 MSF round ready for you to release")).count() == 1
    coming = main.inner_text().split("Coming up")[1].split("Returned or stuck")[0]
    assert "HALO for Stage 1" in coming and "ARCP panel" in coming
    stuck = main.inner_text().split("Returned or stuck")[1].split("Your trainees")[0]
    assert "Dr Aisha Khan: 1 entry returned, not yet sent again" in stuck
    table = main.locator("table").filter(has_text="Dr Aisha Khan")
    row = table.locator("tr").filter(has_text="Dr Aisha Khan")
    assert "Stage 3" in row.inner_text() and "Higher" not in row.inner_text()
    assert re.search(r"\d+ of \d+", row.inner_text()) and "%" not in table.inner_text()

    # On a phone each trainee reads as a stacked row: every figure inside the screen, none clipped.
    page.set_viewport_size({"width": WIDTHS["phone"][0], "height": WIDTHS["phone"][1]})
    page.wait_for_timeout(150)
    for cell in table.locator("td").all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS["phone"][0] + 1, cell.inner_text()
        assert cell.evaluate("c => c.scrollWidth <= c.clientWidth + 1"), cell.inner_text()

    # The count leads to the queue it counts.
    page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})
    number = int(re.match(r"\d+", waiting.inner_text()).group())
    waiting.click()
    page.wait_for_load_state("load")
    assert tab.path.startswith("/signoff"), tab.path
    assert page.locator("main table tbody tr").count() == number
    tab.check("sign-off queue from the supervisor home")
