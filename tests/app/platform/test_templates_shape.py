"""Every table, back link, pagination and summary list is drawn by the macros in templates/macros/: a page that
writes one by hand drifts from the others (captions, th scope, the back-link landmark, empty states)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "trainee_portal"
MACROS = PACKAGE / "templates" / "macros"

# What a page may not write itself, and the macro that writes it instead.
HAND_WRITTEN = {
    "a table (use the table macro)": re.compile(r"<table\b|nhsuk-table__caption|nhsuk-table__head\b"),
    "a back link (use back_link)": re.compile(r"nhsuk-back-link|components/back-link/"),
    "pagination (use the pagination macro with platform/pagination.py)": re.compile(
        r"nhsuk-pagination|components/pagination/|Previous page|Next page|page \+ 1|page - 1"
    ),
    "a summary list (use summary_list)": re.compile(r"nhsuk-summary-list|components/summary-list/"),
}


def page_templates() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("templates/**/*.html") if MACROS not in p.parents)


def test_the_scan_sees_the_pages_and_the_macros_draw_each_thing():
    assert len(page_templates()) > 50
    macros = "".join(p.read_text() for p in MACROS.glob("*.html"))
    for pattern in HAND_WRITTEN.values():
        assert pattern.search(macros), pattern.pattern


@pytest.mark.parametrize("what", sorted(HAND_WRITTEN))
def test_no_page_writes_it_by_hand(what):
    pattern = HAND_WRITTEN[what]
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in page_templates()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, f"{what}: {', '.join(offenders)}"


def test_error_summaries_are_the_nhs_component():
    """Error summaries come from the NHS.UK component (through error_summary, or the component itself where the
    summary is not about form fields), so its script focuses them and screen readers announce them first."""
    hand_made = [str(p.relative_to(PACKAGE)) for p in page_templates() if "nhsuk-error-summary" in p.read_text()]
    assert hand_made == []
