"""The filtered cohort table as CSV or XLSX (openpyxl), one row per trainee, in table order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from competencies.flags import SIGNOFF_WAIT_DAYS
from trainee_portal import audit
from trainee_portal.cohort.queries import FLAGS, CohortRow

HEADERS = [
    "Name",
    "GMC number",
    "Region",
    "Cohort",
    "Curriculum",
    "Stage",
    "Stage started",
    "Required evidence items in place (%)",
    "Expected by now (%)",
    "Last activity (UTC)",
    "Pending sign-offs",
    f"Sign-offs waiting over {SIGNOFF_WAIT_DAYS.value} days",
    "MCQ attempts",
    "SOE attempts",
    "Exam status",
    "Exams",
    "Competencies complete",
    "Competencies in the stage",
    "Flags",
]


def _values(row: CohortRow) -> list:
    return [
        row.name,
        row.gmc_number,
        row.region,
        row.cohort or "",
        row.curriculum_version,
        row.stage_name,
        row.stage_started_on,
        row.percent,
        row.expected if row.expected is not None else "",
        row.last_activity_at.replace(microsecond=0) if row.last_activity_at else "",
        row.pending,
        row.overdue,
        row.mcq_attempts,
        row.soe_attempts,
        row.exam_status,
        row.exams,
        row.competencies_complete,
        row.competencies_total,
        "; ".join(FLAGS[f] for f in row.flags),
    ]


def _safe(value):
    """Spreadsheet apps run cells starting with = + - @ as formulas; names typed by users must stay text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_lines(rows: Iterable[CohortRow]) -> Iterator[str]:
    audit.take_checkpoint("export")  # every export signs the audit log's head
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_safe(v.isoformat() if hasattr(v, "isoformat") else v) for v in _values(row)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(rows: Iterable[CohortRow]) -> bytes:
    audit.take_checkpoint("export")  # every export signs the audit log's head
    from openpyxl import Workbook  # only where used: test_worker_imports

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cohort")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([_safe(v) for v in _values(row)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
