"""The demo trainee's home in a real browser at desk and phone widths: what is next (the current stage led by
competencies complete), what waits on others, what came back with its reason, the next exam and ARCP cut-off, and
"Record evidence" one tap away; each count leads to the list it counts; axe-clean with no console errors."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_trainee_home_answers_what_is_next(browsing, width):
    tab = browsing.sign_in("trainee", width=width)
    page = tab.page
    tab.check(f"trainee home ({width})")
    main = page.locator("main")
    assert page.get_by_role("link", name="Record evidence").is_visible()
    card = main.locator(".app-next-stage")
    assert re.search(r"\d+ of 8 competencies complete", card.inner_text())
    assert re.search(r"Evidence: \d+ of \d+ required items in place", card.inner_text())
    assert card.get_by_role("heading").inner_text().startswith("Your current stage: Stage 3")
    bar = card.locator("progress")
    assert bar.is_visible() and bar.get_attribute("aria-label").endswith(": competencies complete")
    # Nothing on the card is cut off at either width: the figures sit inside the page.
    viewport = page.viewport_size["width"]
    for box in (card.bounding_box(), card.locator(".app-progress__value").bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport + 1
    waiting = main.locator("section", has=page.get_by_role("heading", name="Waiting on others"))
    assert "Sign-off waiting over 14 days" in waiting.inner_text()
    assert "10 of 12 raters answered" in waiting.inner_text() and "HALO" in waiting.inner_text()
    returned = main.locator("section", has=page.get_by_role("heading", name="Returned to you"))
    assert "Please add what you would do differently" in returned.inner_text()
    coming = main.locator("section", has=page.get_by_role("heading", name="Coming up"))
    assert "FFPMRCA SOE on" in coming.inner_text() and "Applications close at 5pm on" in coming.inner_text()
    assert "London ARCP panel (ST6)" in coming.inner_text() and "Evidence cut-off" in coming.inner_text()

    waiting.get_by_role("link", name=re.compile(r"^\d+ items? awaiting sign-off$")).click()
    assert tab.path == "/logbook/?status=submitted", tab.path
    tab.check(f"logbook awaiting sign-off, from home ({width})")
    page.go_back()
    returned.get_by_role("link", name=re.compile(r"^\d+ items? returned$")).click()
    assert tab.path == "/logbook/?status=returned", tab.path
    page.go_back()
    returned.locator("li a").first.click()
    assert re.fullmatch(r"/logbook/\d+", tab.path), tab.path
    assert "Please add what you would do differently" in page.locator("main").inner_text()  # the reason, one tap away
    tab.check(f"returned entry with its reason, from home ({width})")


def test_the_stage_page_and_dashboard_pair_the_headline_with_the_named_evidence_figure(browsing):
    tab = browsing.sign_in("trainee")
    page = tab.page
    headline = re.search(r"\d+ of 8 competencies complete", page.locator(".app-next-stage").inner_text()).group(0)
    page.locator(".app-next-stage").get_by_role("link", name=re.compile("What is still needed for")).click()
    assert headline in page.locator("main").inner_text() and "required items in place" in page.locator("main").inner_text()
    tab.check("stage 3 page: competencies complete and the evidence figure")
    page.goto(browsing.server.url + "/dashboard")
    assert headline in page.locator("main .nhsuk-card").first.inner_text()
    tab.check("dashboard: competencies complete and the evidence figure")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(browsing.server.url + "/")
    page.set_viewport_size({"width": 1280, "height": 900})  # back to the desk after a resize: nothing covered
    page.wait_for_timeout(150)
    record = page.get_by_role("link", name="Record evidence")
    box = record.bounding_box()
    top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('a') ?.textContent.trim()",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert top == "Record evidence", top
