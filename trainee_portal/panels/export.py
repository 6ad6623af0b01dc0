"""One panel's trainees as CSV or XLSX (openpyxl), one row per trainee from the readiness read model, in table order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from competencies.readiness import COLOUR_LABELS
from trainee_portal import audit
from trainee_portal.models import ArcpPanel
from trainee_portal.panels.queries import PanelRow
from trainee_portal.platform.inputs import clean_text

HEADERS = [
    "Name",
    "GMC number",
    "Readiness",
    "Reason",
    "Waiting for a sign-off",
    "Missing",
    "Days to the cut-off",
    "Cut-off",
    "Panel date",
    "Computed (UTC)",
]


def _values(panel: ArcpPanel, row: PanelRow) -> list:
    return [
        row.name,
        row.gmc_number,
        f"{row.colour.capitalize()} ({COLOUR_LABELS.get(row.colour, row.colour)})",
        " ".join(row.reasons),
        "; ".join(row.pending_titles),
        "; ".join(row.missing_labels),
        row.days_to_cutoff if row.days_to_cutoff is not None else "",
        panel.cutoff_date,
        panel.panel_date,
        row.readiness_at.replace(microsecond=0) if row.readiness_at else "",
    ]


def _safe(value):
    """Spreadsheet apps run cells starting with = + - @ as formulas; names and titles typed by users stay text. Control
    characters (from an import or an older row; XLSX cannot hold them) are dropped."""
    if isinstance(value, str):
        value = clean_text(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_lines(panel: ArcpPanel, rows: Iterable[PanelRow]) -> Iterator[str]:
    audit.take_checkpoint("export")  # every export signs the audit log's head
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_safe(v.isoformat() if hasattr(v, "isoformat") else v) for v in _values(panel, row)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(panel: ArcpPanel, rows: Iterable[PanelRow]) -> bytes:
    audit.take_checkpoint("export")  # every export signs the audit log's head
    from openpyxl import Workbook  # only where used: test_worker_imports

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Panel")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([_safe(v) for v in _values(panel, row)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
