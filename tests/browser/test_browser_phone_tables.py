"""Every page with a table, on a phone (360 px) as the demo role that uses it: the page does not scroll sideways, no
table cell's text is cut (each row stacked with its headings, or its key columns inside the window), axe-core finds
nothing serious at either width and the browser logs no error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.pages import WIDTHS

SHOTS = Path("/tmp/shots-tables")

# Each cell of a visible table whose content is wider than the cell's own box (its text cut off).
_CUT_CELLS_JS = """() => Array.from(document.querySelectorAll('main table td, main table th'))
  .filter(c => c.getClientRects().length && !c.closest('.nhsuk-u-visually-hidden, details:not([open])'))
  .filter(c => c.scrollWidth > c.clientWidth + 1)
  .map(c => (c.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60))
  .slice(0, 8)"""

# Each cell of a visible table with a part past either edge of the window (text a reader would have to scroll to, or
# could not reach at all); text hidden for screen readers only is not drawn, so not counted.
_OUTSIDE_CELLS_JS = """() => {
  const limit = document.documentElement.clientWidth, found = [];
  for (const cell of document.querySelectorAll('main table td, main table th')) {
    if (!cell.getClientRects().length || cell.closest('.nhsuk-u-visually-hidden, thead, details:not([open])')) continue;
    const parts = [cell, ...cell.querySelectorAll('*')]
      .filter(el => el.getClientRects().length && !el.closest('.nhsuk-u-visually-hidden, details:not([open]) > :not(summary)'));
    const out = parts.find(el => { const r = el.getBoundingClientRect(); return r.right > limit + 1 || r.left < -1; });
    if (out) found.push((cell.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60));
    if (found.length >= 8) break;
  }
  return found;
}"""

_PANEL = "main table a[href^='/panels/']:not([href*='settings'])"  # the first panel's page
_REVIEW = "main table.app-cohort-table a[href^='/cohort/trainee/']"  # the first trainee's record

# (who, page, the links to follow from it to reach the page checked, or None, a name for the screenshots)
PAGES = [
    ("director", "/panels", _PANEL, "arcp-panel"),
    ("director", "/panels", None, "arcp-panels"),
    ("trainee", "/exams/", None, "exams"),
    ("director", "/exams/pipeline", None, "exam-pipeline"),
    ("admin", "/exams/sittings", None, "exam-sittings"),
    ("admin", "/admin/assignments", None, "admin-assignments"),
    ("admin", "/admin/users", None, "admin-users"),
    ("admin", "/admin/regions", None, "admin-regions"),
    ("admin", "/admin/curricula", None, "admin-curricula"),
    ("admin", "/admin/scopes", None, "admin-scopes"),
    ("supervisor", "/signoff/", None, "signoff-queue"),
    ("director", "/signoff/waiting", None, "signoff-waiting"),
    ("trainee", "/signoff/mine", None, "signoff-mine"),
    ("trainee", "/logbook/", None, "logbook"),
    # an entry whose sign-off history names an outside assessor by their address, in the label of a confirmed signature
    # (the demo's one MSF of this trainee; its title's wording is picked by its date, so it is found by its type)
    ("trainee2010", "/logbook/?type=wba.msf", "main table a:has-text('MSF:')", "logbook-entry"),
    ("trainee", "/higher/", None, "stage"),
    ("trainee", "/dashboard", None, "dashboard"),
    ("faculty.tutor", "/halo/", None, "halo-queue"),
    ("trainee", "/msf/", None, "msf"),
    ("supervisor", "/msf/", "main table a[href^='/msf/']", "msf-round"),
    ("director", "/panels", (_PANEL, "main table a[href*='/packs/']"), "pack"),
    ("director", "/cohort", _REVIEW, "trainee-review"),
    ("director", "/cohort", (_REVIEW, "main a[href*='/signoff/audit/']"), "audit-trail"),
    ("admin", "/admin/users?q=moved", ("main table a[href^='/admin/users/']", "main a[href^='/transitions/']"), "transitions"),
    ("director", "/rules/", None, "rules"),
    ("director.scot", "/rules/", "main table a[href^='/rules/regions/']", "rules-region"),
    ("admin", "/admin/users?q=moved", "main table a[href^='/admin/users/']", "admin-moved-trainee"),
    ("owen", "/training-time/", None, "training-time"),
    ("trainee", "/arcp", None, "arcp-outcomes"),
    ("director", "/cohort", None, "cohort"),
]


@pytest.mark.parametrize(("who", "path", "follow", "name"), PAGES, ids=[p[3] for p in PAGES])
def test_each_table_reads_on_a_phone(browsing, who, path, follow, name):
    tab = browsing.sign_in(who, width="phone")
    tab.goto(path)
    for selector in (follow,) if isinstance(follow, str) else follow or ():
        link = tab.page.locator(selector).first
        assert link.count(), f"no link {selector} on {tab.path}"
        tab.page.goto(tab.session.server.url + link.get_attribute("href"))
    tab._settle()
    assert tab.page.locator("main table").count(), f"no table on {tab.path}"
    for details in tab.page.locator("main details:has(table) summary").all():
        details.click()  # the tables behind "Show the figures as a table" too
    tab._settle()
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}-360.png"), full_page=True)
    problems = []
    scroll_width = tab.page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > WIDTHS["phone"][0]:
        problems.append(f"the page scrolls sideways: {scroll_width} px")
    if cut := tab.page.evaluate(_CUT_CELLS_JS):
        problems.append(f"cells whose text is cut: {cut}")
    if outside := tab.page.evaluate(_OUTSIDE_CELLS_JS):
        problems.append(f"cells past the window's edge: {outside}")
    assert not problems, f"{who} {tab.path}:\n  " + "\n  ".join(problems)
    tab.check(f"{name} on a phone")
