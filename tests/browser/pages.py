"""What every browser journey does to a page: sign in through the form, screenshot each step, run axe-core at desktop
and phone widths, check nothing scrolls sideways at 360 px, check charts carry text and tables, and move by keyboard."""

from __future__ import annotations

import os
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

# One folder an engine: CI runs the SQLite and PostgreSQL suites side by side, and each empties its own at start.
ARTIFACTS = (
    Path(__file__).resolve().parents[2]
    / "test-artifacts"
    / ("browser-postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "browser")
)
DEMO_PASSWORD = "pain-demo-2026"
DEMO = {
    "trainee": "trainee@example.org",
    "trainee2010": "trainee2010@example.org",
    "samuel": "samuel.adeyemi@example.org",  # Stage 3, early on: a signed DOPS still moves his progress
    "supervisor": "supervisor@example.org",
    "director": "director@example.org",
    "director.nw": "director.nw@example.org",
    "admin": "admin@example.org",
}
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}
SEVERE = ("serious", "critical")
AXE = Axe()

# Elements that stick out past the right edge of a 360 px viewport, outside any scrolling container.
_OVERFLOW_JS = """() => {
  const limit = document.documentElement.clientWidth, found = [];
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > limit + 1 && !scrolls(el)) {
      found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                 (el.className && el.className.baseVal === undefined ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '') +
                 ' (right edge ' + Math.round(r.right) + ' px)');
      if (found.length >= 8) break;
    }
  }
  return found;
}"""

# Every chart: a caption, a plot exposed as one image with a text alternative, and a table of the same figures.
_CHARTS_JS = """() => Array.from(document.querySelectorAll('figure.app-chart')).map(fig => {
  const plot = fig.querySelector('.app-chart__plot');
  const table = fig.querySelector('table');
  return {
    id: plot ? plot.id : '(no plot)',
    caption: (fig.querySelector('figcaption') || {}).textContent || '',
    role: plot ? plot.getAttribute('role') : null,
    label: plot ? (plot.getAttribute('aria-label') || '') : '',
    drawn: !!(plot && plot.querySelector('svg.main-svg')),
    rows: table ? table.querySelectorAll('tbody tr').length : 0,
    headers: table ? table.querySelectorAll('th').length : 0,
  };
})"""

_FOCUS_VISIBLE_JS = """() => {
  const el = document.activeElement; if (!el || el === document.body) return false;
  const s = getComputedStyle(el);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


class AxeLog:
    """Every page checked in the session and what axe said about it, written to axe-report.md for the report."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, list[dict]]] = []

    def add(self, name: str, width: str, url: str, violations: list[dict]) -> None:
        self.rows.append((name, width, url, violations))

    def write(self, path: Path) -> None:
        if not self.rows:
            return
        lines = [
            "# axe-core results per page",
            "",
            "| page | width | path | serious/critical | minor/moderate |",
            "|---|---|---|---|---|",
        ]
        for name, width, url, violations in self.rows:
            severe = [f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in violations if v["impact"] in SEVERE]
            other = [f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in violations if v["impact"] not in SEVERE]
            path_only = re.sub(r"/assessor/[A-Za-z0-9_-]{20,}", "/assessor/<token>", re.sub(r"^https?://[^/]+", "", url))
            lines.append(f"| {name} | {width} | `{path_only}` | {', '.join(severe) or 'none'} | {', '.join(other) or 'none'} |")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")


class Tab:
    """One browser tab of one test: navigation, screenshots and the page checks.

    Every page the tab shows must log no console error and no script error, and ask no host but the app's for
    anything. The one exception is a page the test provokes on purpose with a 4xx status (`goto(..., expect_status=)`
    or `expect_refusal()` before submitting a form that comes back with errors): Chromium logs "Failed to load
    resource: the server responded with a status of 4xx" for that document, and only that line is allowed."""

    def __init__(self, page, session: Browsing, who: str):
        self.page = page
        self.session = session
        self.who = who
        self.server_errors: list[str] = []
        self.script_errors: list[str] = []
        self.console_errors: list[tuple[str, str]] = []  # (text, url of the resource or script it names)
        self.refused_pages: list[tuple[str, int]] = []  # 4xx documents shown: (url, status)
        self.expected_refusals: list[int] = []  # 4xx statuses the test provokes and has not yet seen
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.on("console", self._on_console)

    def _on_request(self, request) -> None:
        if request.url.startswith(("data:", "blob:")):  # made in the page itself
            return
        scheme, _, rest = request.url.partition("://")
        if f"{scheme}://{rest.split('/', 1)[0]}" != self.session.server.url:
            self.server_errors.append(f"request to another host: {request.method} {request.url}")

    def _on_response(self, response) -> None:
        document = response.request.resource_type == "document" and response.frame == self.page.main_frame
        if response.status >= 500 or (response.status >= 400 and not document):
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")
        elif response.status >= 400:
            self.refused_pages.append((response.url, response.status))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, (message.location or {}).get("url", "")))

    def expect_refusal(self, status: int = 400) -> None:
        """The next page this tab shows is provoked on purpose with this 4xx status (a form sent back with errors)."""
        assert 400 <= status < 500, status
        self.expected_refusals.append(status)

    def problems(self) -> list[str]:
        """What went wrong on the pages shown since the last call: errors, other hosts, unexpected 4xx pages."""
        problems = [f"server/asset error: {e}" for e in self.server_errors]
        problems += [f"script error: {e}" for e in self.script_errors]
        allowed = set()
        for url, status in self.refused_pages:
            if status in self.expected_refusals:
                self.expected_refusals.remove(status)
                allowed.add((url, f"Failed to load resource: the server responded with a status of {status} "))
            else:
                problems.append(f"unexpected HTTP {status} page: {url}")
        for text, url in self.console_errors:
            if not any(url == ok_url and text.startswith(ok_text) for ok_url, ok_text in allowed):
                problems.append(f"console error: {text} ({url or 'no url'})")
        self.server_errors.clear()
        self.script_errors.clear()
        self.console_errors.clear()
        self.refused_pages.clear()
        return problems

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, f"{self.who} ({self.path}):\n  " + "\n  ".join(problems)

    def goto(self, path: str, expect_status: int = 200):
        if expect_status >= 400:
            self.expect_refusal(expect_status)
        response = self.page.goto(self.session.server.url + path)
        assert response is not None and response.status == expect_status, (
            f"{path}: expected HTTP {expect_status}, got {response.status if response else 'no response'}"
        )
        return response

    def flash_text(self) -> str:
        """The flash messages of the page a button led to. A click returns once the navigation has started, so the
        old page may still be the one shown: wait until the new page shows its first message, then read them all."""
        flashes = self.page.locator(".app-flash")
        flashes.first.wait_for(state="visible")
        return " ".join(flashes.all_inner_texts())

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def shot(self, step: str) -> Path:
        self.session.steps += 1
        target = ARTIFACTS / _slug(self.session.test_name) / f"{self.session.steps:02d}-{self.who}-{_slug(step)}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def _settle(self) -> None:
        self.page.wait_for_load_state("load")
        charts = self.page.locator("figure.app-chart .app-chart__plot")
        self.page.wait_for_timeout(150)  # let plotly and the header menu react to a viewport change
        if charts.count():
            # Every plot drawn, and redrawn to its box's width after a viewport change (Plotly resizes on its own time).
            self.page.wait_for_function(
                """n => { const plots = document.querySelectorAll('figure.app-chart .app-chart__plot');
                     return [...plots].filter(p => { const svg = p.querySelector('svg.main-svg');
                       return svg && svg.getBoundingClientRect().width <= p.getBoundingClientRect().width + 1; }).length >= n; }""",
                arg=charts.count(),
                timeout=10000,
            )

    def check(self, name: str) -> None:
        """axe-core at desktop and phone widths (no serious or critical violation), no sideways scrolling at 360 px,
        charts with text alternatives and tables, no server or script errors; screenshots of both widths."""
        problems: list[str] = []
        original = self.page.viewport_size
        try:
            for width_name, (width, height) in WIDTHS.items():
                self.page.set_viewport_size({"width": width, "height": height})
                self._settle()
                violations = AXE.run(self.page).response["violations"]
                self.session.axe_log.add(name, width_name, self.page.url, violations)
                for v in violations:
                    if v["impact"] in SEVERE:
                        targets = "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:10])
                        problems.append(f"[{width_name}] {v['id']} ({v['impact']}): {v['help']} -> {targets}")
                if width_name == "phone":
                    scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
                    if scroll_width > width:
                        offenders = self.page.evaluate(_OVERFLOW_JS)
                        problems.append(
                            f"[phone] page scrolls sideways: scrollWidth {scroll_width} > {width}; "
                            f"too wide: {', '.join(offenders) or 'unknown'}"
                        )
                self.shot(f"{name} {width_name}")
            problems += self._chart_problems()
        finally:
            self.page.set_viewport_size(original)
        problems += self.problems()
        assert not problems, f"{name} ({self.path}):\n  " + "\n  ".join(problems)

    def _chart_problems(self) -> list[str]:
        problems = []
        for chart in self.page.evaluate(_CHARTS_JS):
            where = f"chart #{chart['id']}"
            if not chart["caption"].strip():
                problems.append(f"{where} has no caption")
            if chart["role"] != "img" or len(chart["label"].strip()) < 10:
                problems.append(f"{where} has no text alternative (role=img with an aria-label)")
            if not chart["drawn"]:
                problems.append(f"{where} was not drawn")
            if not chart["rows"] or not chart["headers"]:
                problems.append(f"{where} has no table of its figures")
        return problems

    def charts(self) -> list[dict]:
        return self.page.evaluate(_CHARTS_JS)

    # --- keyboard ---------------------------------------------------------------------------------------------

    def tab_to(self, selector: str, *, limit: int = 80, backwards: bool = False) -> None:
        """Press Tab until the focus is on selector, checking each stop shows where the focus is."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            if self.page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
                assert self.page.evaluate(_FOCUS_VISIBLE_JS), f"{selector} has focus but no visible focus indicator"
                return
        raise AssertionError(f"{selector} is not reachable with {key} within {limit} presses on {self.path}")

    def focused(self) -> str:
        return self.page.evaluate("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : ''")


class Browsing:
    """The browser tabs a test opens (each its own cookie jar, so each its own signed-in person)."""

    def __init__(self, browser, server, axe_log: AxeLog, test_name: str):
        self.browser = browser
        self.server = server
        self.axe_log = axe_log
        self.test_name = test_name
        self.steps = 0
        self.contexts = []
        self.tabs: list[Tab] = []

    def open(self, who: str = "anonymous", width: str = "desktop") -> Tab:
        w, h = WIDTHS[width]
        context = self.browser.new_context(
            viewport={"width": w, "height": h}, accept_downloads=True, locale="en-GB", timezone_id="Europe/London"
        )  # a UK ward computer
        context.set_default_timeout(15000)
        self.contexts.append(context)
        tab = Tab(context.new_page(), self, who)
        self.tabs.append(tab)
        return tab

    def sign_in(self, who: str, width: str = "desktop") -> Tab:
        """A new tab signed in as the demo account `who` through the sign-in form."""
        tab = self.open(who, width)
        tab.goto("/login")
        tab.page.get_by_label("Email address").fill(DEMO[who])
        tab.page.get_by_label("Password").fill(DEMO_PASSWORD)
        tab.page.get_by_role("button", name="Sign in").click()
        tab.page.wait_for_load_state("load")
        assert tab.path == "/", f"{who} did not land on the home page after signing in: {tab.path}"
        return tab

    def close(self) -> None:
        """Closes every tab, after checking the pages shown since each tab's last check (see Tab)."""
        problems = []
        try:
            for tab in self.tabs:
                problems += [f"{tab.who} ({tab.path}): {p}" for p in tab.problems()]
        finally:
            for context in self.contexts:
                context.close()
        assert not problems, "pages not clean:\n  " + "\n  ".join(problems)


def fill_date(page, legend: str, when) -> None:
    """Types a date into the NHS.UK date input named by its legend: the Day, Month and Year boxes, as a person does.
    `when` is a date, or a (day, month, year) of strings for dates that cannot exist."""
    group = page.get_by_role("group", name=legend, exact=True)
    parts = (str(when.day), str(when.month), str(when.year)) if hasattr(when, "day") else tuple(when)
    for label, value in zip(("Day", "Month", "Year"), parts, strict=True):
        group.get_by_label(label, exact=True).fill(value)


# More demo accounts a journey may sign in as: the Faculty Tutor with a HALO request waiting, the Scottish director.
DEMO.update({"faculty.tutor": "faculty.tutor@example.org", "director.scot": "director.scot@example.org"})
DEMO.update({"owen": "owen.price@example.org"})  # works less than full time: training periods to show
