"""Sample files a trainee may download from the import page and import at once: an export in the programme's reading
of the LLP logbook layout, and a spreadsheet in another portfolio's own words (an .xlsx workbook), both holding
entries made up for the sample (no patient in them) and linked to a competency of the trainee's own curriculum."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from competencies import Curriculum
from competencies import import_formats as formats

SAMPLES = {
    "llp-logbook-export.csv": "text/csv",
    "other-portfolio.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _rows(curriculum: Curriculum, today: date) -> list[tuple]:
    code = curriculum.stages[-1].competencies[0].code
    days = [(today - timedelta(days=n)).isoformat() for n in (21, 14, 7)]
    return [
        (
            days[0],
            "Clinic",
            "Sample: new patient pain clinic",
            code,
            "Outpatient clinic",
            "Sample Hospital",
            "2b",
            "",
            "",
            "Sample entry",
            "",
        ),
        (
            days[1],
            "Procedure",
            "Sample: lumbar medial branch block",
            code,
            "Theatre",
            "Sample Hospital",
            "2a",
            "Medial branch block",
            "X-ray (fluoroscopy)",
            "",
            "",
        ),
        (
            days[2],
            "Reflection",
            "Sample: reflection on a difficult consultation",
            code,
            "",
            "",
            "",
            "",
            "",
            "",
            "I would explain the plan earlier next time",
        ),
    ]


def sample(name: str, curriculum: Curriculum, today: date) -> bytes:
    rows = _rows(curriculum, today)
    if name == "llp-logbook-export.csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(formats.LLP_HEADERS)
        writer.writerows(rows)
        return buffer.getvalue().encode()
    from openpyxl import Workbook  # only where used: test_worker_imports

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "When",
            "Kind",
            "Title",
            "Competency codes",
            "Setting",
            "Site",
            "Level of supervision",
            "Technique",
            "Imaging",
            "Comments",
            "Reflection",
        ]
    )
    for row in rows:
        sheet.append([date.fromisoformat(row[0]), *row[1:]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
