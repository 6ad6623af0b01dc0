"""The demo director's cohort dashboard on a desk and on a phone: nothing scrolls sideways at 360 px, no figure in the
trainee table is cut, the heatmap shows one curriculum at a time with its names inside the figure, and after the window
is resized from 1280 to 360 px and back no chart covers the link to its table or what follows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.pages import WIDTHS

SHOTS = Path("/tmp/shots-cohort")

# Cells of the page's visible tables whose text is cut: wider than their box (clipped or spilling out), or past the
# right edge of the window.
_CLIPPED_CELLS_JS = """() => {
  const limit = document.documentElement.clientWidth, found = [];
  for (const cell of document.querySelectorAll('main table td, main table th')) {
    if (!cell.getClientRects().length || cell.closest('.nhsuk-u-visually-hidden, thead, details:not([open])')) continue;
    const parts = [cell, ...cell.querySelectorAll('*')].filter(el => el.getClientRects().length);
    for (const el of parts) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const cut = el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible' && el.clientWidth > 0;
      if (cut || r.right > limit + 1 || r.left < -1) {
        found.push((el.textContent || '').trim().slice(0, 60) + ' (' + Math.round(r.left) + '-' + Math.round(r.right) + ')');
        break;
      }
    }
    if (found.length >= 8) break;
  }
  return found;
}"""

# For every chart: its drawing's box, the box Plotly draws in, the link that opens its table and what follows it.
_CHART_BOXES_JS = """() => Array.from(document.querySelectorAll('figure.app-chart')).map(fig => {
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right}; };
  const plot = fig.querySelector('.app-chart__plot');
  const svgs = Array.from(plot.querySelectorAll('svg.main-svg')).map(box);
  return {
    id: plot.id,
    plot: box(plot),
    drawing: svgs.length ? {top: Math.min(...svgs.map(s => s.top)), bottom: Math.max(...svgs.map(s => s.bottom)),
                            left: Math.min(...svgs.map(s => s.left)), right: Math.max(...svgs.map(s => s.right))} : null,
    link: box(fig.querySelector('summary')),
    next: box(fig.nextElementSibling),
  };
})"""

# The heatmap's axis labels (trainee names, domain names) and its colour bar, each inside the plot's box.
_HEATMAP_LABELS_JS = """() => {
  const plot = document.getElementById('chart-heatmap');
  const p = plot.getBoundingClientRect();
  const labels = plot.querySelectorAll('.xtick text, .ytick text, .colorbar text');
  const outside = [];
  labels.forEach(t => { const r = t.getBoundingClientRect();
    if (r.left < p.left - 1 || r.right > p.right + 1 || r.top < p.top - 1 || r.bottom > p.bottom + 1)
      outside.push(t.textContent + ' (' + Math.round(r.left) + ',' + Math.round(r.top) + ')'); });
  return {count: labels.length, outside: outside, names: Array.from(plot.querySelectorAll('.ytick text')).map(t => t.textContent)};
}"""


def shoot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def resize(tab, width_name: str) -> None:
    width, height = WIDTHS[width_name]
    tab.page.set_viewport_size({"width": width, "height": height})
    tab._settle()


def layout_problems(tab, width_name: str) -> list[str]:
    """What is wrong with the page as laid out now: sideways scrolling, cut cells, charts over their neighbours."""
    width = WIDTHS[width_name][0]
    problems = []
    scroll_width = tab.page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"[{width_name}] the page scrolls sideways: {scroll_width} > {width}")
    clipped = tab.page.evaluate(_CLIPPED_CELLS_JS)
    if clipped:
        problems.append(f"[{width_name}] cut table cells: {clipped}")
    for chart in tab.page.evaluate(_CHART_BOXES_JS):
        drawing, plot = chart["drawing"], chart["plot"]
        if not drawing:
            problems.append(f"[{width_name}] {chart['id']} is not drawn")
            continue
        if drawing["bottom"] > plot["bottom"] + 1 or drawing["right"] > plot["right"] + 1:
            problems.append(f"[{width_name}] {chart['id']} draws outside its box: {drawing} beyond {plot}")
        for what in ("link", "next"):
            other = chart[what]
            if other and other["top"] < drawing["bottom"] - 1 and other["bottom"] > drawing["top"]:
                problems.append(f"[{width_name}] {chart['id']} covers its {what}: drawing {drawing}, {what} {other}")
    labels = tab.page.evaluate(_HEATMAP_LABELS_JS)
    if not labels["count"]:
        problems.append(f"[{width_name}] the heatmap has no labels")
    if labels["outside"]:
        problems.append(f"[{width_name}] heatmap labels outside the figure: {labels['outside']}")
    return problems


def heatmap_table(tab) -> tuple[list[str], list[str]]:
    """The heatmap table's column headings and its trainees (read from the page, whether the table is open or not)."""
    table = tab.page.locator("#chart-heatmap ~ details table")
    headers = [h.strip() for h in table.locator("thead th").all_text_contents()]
    names = [
        re.sub(r"^Trainee\s+", "", n.strip()) for n in table.locator("tbody th").all_text_contents()
    ]  # a stacked row's cell starts with its heading
    return headers, names


def test_the_cohort_dashboard_reads_on_a_phone_and_survives_a_resize(browsing):
    director = browsing.sign_in("director")
    director.goto("/cohort")
    director.check("cohort dashboard")
    page = director.page

    # The heatmap shows one curriculum, the one most of the director's trainees follow, with its own domains.
    chosen = page.locator(".app-heatmap-choice a[aria-current]")
    assert chosen.count() == 1, "no curriculum is shown as chosen for the heatmap"
    default_version = re.match(r"(\S+) curriculum", chosen.inner_text()).group(1)
    counts = [int(re.search(r"\((\d+) trainees?\)", t).group(1)) for t in page.locator(".app-heatmap-choice a").all_inner_texts()]
    assert counts[0] == max(counts), counts
    headers, names = heatmap_table(director)
    assert headers[:2] == ["Trainee", "Stage"] and len(headers) > 2
    stages = page.locator("table.app-cohort-table tbody tr")
    for name in names:
        row = stages.filter(has=page.get_by_role("link", name=name, exact=True))
        assert f"{default_version} curriculum" in row.inner_text(), f"{name} does not follow {default_version}"

    for width_name in ("desktop", "phone", "desktop"):  # 1280, then 360, then 1280 again: resized, not reloaded
        resize(director, width_name)
        assert not (problems := layout_problems(director, width_name)), "\n".join(problems)
        shoot(director, f"cohort-{width_name}-after-resize-{WIDTHS[width_name][0]}")
    assert not (problems := director.problems()), problems

    # On a phone each trainee's figures stand on their own lines, each with its heading, the percent in full.
    resize(director, "phone")
    first = page.locator("table.app-cohort-table tbody tr").first
    text = first.inner_text()
    assert "Required evidence items in place" in text and re.search(r"\d+%", text), text
    assert re.search(r"MCQ(: not yet sat|: \d+ attempts?| passed)", text), text
    value = first.locator(".app-progress__value")
    box = value.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS["phone"][0], box
    page.locator("#chart-heatmap ~ details summary").click()
    assert not (problems := layout_problems(director, "phone")), "\n".join(problems)
    shoot(director, "cohort-phone-heatmap-table-open")

    # The other curriculum, chosen by its link (a plain link: no script needed), has its own columns and trainees.
    other = page.locator(".app-heatmap-choice a:not([aria-current])")
    if other.count():
        other.first.click()
        director._settle()
        assert "heatmap=" in director.path
        version = re.match(r"(\S+) curriculum", page.locator(".app-heatmap-choice a[aria-current]").inner_text()).group(1)
        assert version != default_version
        other_headers, other_names = heatmap_table(director)
        assert set(other_names).isdisjoint(names) and other_headers != headers
        director.check(f"cohort dashboard, heatmap of the {version} curriculum")
        shoot(director, f"cohort-phone-heatmap-{version}")
    resize(director, "phone")
    director.page.reload()
    director._settle()
    shoot(director, "cohort-phone-loaded-at-360")
    assert not (problems := layout_problems(director, "phone")), "\n".join(problems)
    director.assert_clean()


@pytest.mark.parametrize("path", ["/dashboard", "/exams/"])
def test_the_trainees_charts_keep_clear_of_their_tables_after_a_resize(browsing, path):
    trainee = browsing.sign_in("trainee")
    trainee.goto(path)
    assert trainee.page.evaluate(_CHART_BOXES_JS), f"no chart on {path}"
    for width_name in ("desktop", "phone", "desktop"):
        resize(trainee, width_name)
        for chart in trainee.page.evaluate(_CHART_BOXES_JS):
            drawing = chart["drawing"]
            assert drawing, f"{chart['id']} is not drawn"
            assert drawing["bottom"] <= chart["plot"]["bottom"] + 1, chart
            assert drawing["right"] <= chart["plot"]["right"] + 1, chart
            assert chart["link"]["top"] >= drawing["bottom"] - 1, f"{chart['id']} covers the link to its table: {chart}"
        assert trainee.page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width_name][0]
        shoot(trainee, f"{path.strip('/').replace('/', '-')}-{width_name}-after-resize-{WIDTHS[width_name][0]}")
    trainee.check(f"{path} after resizing")
