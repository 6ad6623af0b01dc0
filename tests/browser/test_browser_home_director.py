"""The training director's home answers "who needs me" with the demo's London data, at desktop and phone widths: each
flag count, each panel's readiness count and each supervisor's waiting count leads to a list of that many; nothing is
clipped or scrolls sideways at 360 px; every page passes axe-core with no console error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.pages import WIDTHS

SHOTS = Path("/tmp/shots-director")


def _shot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"), full_page=True)


def _number(text: str) -> int:
    return int(re.search(r"\d+", text).group(0))


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_directors_home_says_who_needs_them_and_each_count_leads_to_its_list(browsing, width):
    tab = browsing.sign_in("director", width=width)
    page = tab.page
    tab.goto("/")
    section = page.locator("section.app-director-home")
    assert section.get_by_role("heading", name="Training director: who needs you").is_visible()
    assert re.search(r"You oversee \d+ trainees in London\.", section.inner_text())
    tab.check(f"director home ({width})")
    _shot(tab, f"home {width}")

    # Every figure is whole on the screen: its box inside the viewport, its text not cut.
    viewport = WIDTHS[width][0]
    for link in section.locator(".app-director-counts__link").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport + 1, f"a flag count runs off the screen: {box}"
        assert link.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "a flag count's text is cut"

    # Each flag count leads to the cohort dashboard filtered by that flag, listing as many trainees.
    flags = {}
    for item in section.locator(".app-director-counts__item").all():
        flags[item.get_attribute("data-flag")] = _number(item.locator(".app-director-counts__number").inner_text())
    assert set(flags) == {"behind", "idle", "waiting", "attempts"} and flags["waiting"] >= 1 and flags["attempts"] >= 1
    for key, count in flags.items():
        section.locator(f'[data-flag="{key}"] a').click()
        page.wait_for_load_state("load")
        assert tab.path == f"/cohort?flag={key}"
        assert re.search(rf"\b{count} trainees? match", page.locator("main").inner_text()), key
        page.go_back()
        page.wait_for_load_state("load")
    tab.assert_clean()

    # The ST6 panel coming: trainees of every colour, each count a link to the panel filtered by that colour.
    panel = section.locator(".app-director-panel").filter(has_text="ST6")
    counts = {c: _number(panel.locator(f'[data-readiness="{c}"]').inner_text()) for c in ("red", "amber", "green")}
    assert all(counts.values()), counts  # the demo's mix: ready, nearly ready and not ready
    panel.locator('[data-readiness="amber"] a').click()
    page.wait_for_load_state("load")
    assert "colour=amber" in tab.path
    assert page.locator('main tbody [data-readiness="amber"]').count() == counts["amber"]
    tab.check(f"panel filtered from home ({width})")
    _shot(tab, f"panel amber {width}")
    page.go_back()
    page.wait_for_load_state("load")

    # The supervisor with the longest wait: their waiting requests, as many as the home page says.
    first = section.locator(".app-director-waits li").first
    name = first.locator("a").inner_text()
    waiting = int(re.search(r"(\d+) sign-offs? waiting", first.inner_text()).group(1))
    assert name == "Dr James Whitfield" and waiting >= 1
    first.locator("a").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1).inner_text() == f"Sign-off requests waiting on {name}"
    assert page.locator("main tbody tr").count() == min(waiting, 50)
    assert f"{waiting} requests from trainees you oversee" in page.locator("main").inner_text()
    tab.check(f"supervisor's waiting requests ({width})")
    _shot(tab, f"waiting {width}")


def test_a_director_who_also_supervises_sees_both_sections_after_a_resize(browsing):
    tab = browsing.sign_in("director.nw")
    page = tab.page
    tab.goto("/")
    assert page.get_by_role("heading", name="Training director: who needs you").is_visible()
    assert page.get_by_text("North West").first.is_visible()
    page.set_viewport_size({"width": WIDTHS["phone"][0], "height": WIDTHS["phone"][1]})
    page.wait_for_timeout(200)
    # After the resize the flag figures sit two a row, none over another.
    boxes = [link.bounding_box() for link in page.locator(".app-director-counts__link").all()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a["x"] + a["width"] <= b["x"] + 1 or b["x"] + b["width"] <= a["x"] + 1
            apart = apart or a["y"] + a["height"] <= b["y"] + 1 or b["y"] + b["height"] <= a["y"] + 1
            assert apart, f"two flag figures overlap after a resize: {a} {b}"
    _shot(tab, "director and supervisor phone")
    tab.check("director and supervisor home")
