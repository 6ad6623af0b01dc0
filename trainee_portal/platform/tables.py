"""Tables that stack on a phone: the `stack_cells` Jinja filter the `table` macro applies to a responsive table's rows.

The NHS.UK responsive table hides the column headings below 769 px and shows each row as a block, each cell carrying
its own heading. A page writes its rows as plain cells; this gives each cell its column's heading and wraps its
content in one box (`app-cell-value`), so a value of several parts (a link and a note, lines split by <br>) stays
together on the right of its heading instead of being spread across the row. Cells that already carry a heading
(written with the `cell` macro) and cells spanning several columns (an empty table's sentence) are left as they are."""

from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup, escape

_ROW = re.compile(r"(<tr\b[^>]*>)(.*?)(</tr>)", re.DOTALL | re.IGNORECASE)
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
HEADING_CLASS = "nhsuk-table-responsive__heading"


def _heading_text(header) -> str | None:
    """A column's heading as the stacked cell shows it; None for a heading hidden on screen (an actions column)."""
    if isinstance(header, dict):
        if header.get("hidden"):
            return None
        return header.get("text") or Markup(header.get("html") or "").striptags() or None
    return str(header)


def stack_cells(body: str, headers) -> Markup:
    """The rows in `body` with each plain cell given its column's heading (see the module's docstring)."""
    headings = [_heading_text(h) for h in headers]

    def row(match: re.Match) -> str:
        position = 0

        def cell(found: re.Match) -> str:
            nonlocal position
            tag, attributes, content = found.group(1), found.group(2), found.group(3)
            index = position
            span = re.search(r'colspan="(\d+)"', attributes)
            position += int(span.group(1)) if span else 1
            if span or HEADING_CLASS in content or index >= len(headings):
                return found.group(0)
            heading = headings[index]
            label = f'<span class="{HEADING_CLASS}" aria-hidden="true">{escape(heading)} </span>' if heading else ""
            return f'<{tag}{attributes}>{label}<div class="app-cell-value">{content}</div></{tag}>'

        return match.group(1) + _CELL.sub(cell, match.group(2)) + match.group(3)

    return Markup(_ROW.sub(row, str(body)))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["stack_cells"] = stack_cells
