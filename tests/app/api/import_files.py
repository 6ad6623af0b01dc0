"""Files to import over the API: this logbook's own CSV, an RCoA LLP logbook export and another spreadsheet (CSV and
.xlsx), each holding the same clinic and DOPS (the clinic is tests/app/imports/helpers.CLINIC_ROW in other words)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import Workbook

from competencies import import_formats as formats
from tests.app.imports.helpers import CLINIC_ROW, DAY, DOPS_ROW, HEADER
from tests.app.logbook.helpers import CLINIC, PROCEDURES
from tests.support import clock

LLP_FILE = (
    ",".join(formats.LLP_HEADERS)
    + "\n"
    + f"{DAY},Clinic,Follow-up clinic,{CLINIC},Outpatient clinic,Salford Royal,2b,,,Reviewed pacing plan,\n"
    + f"{DAY},DOPS,Lumbar medial branch block,{PROCEDURES},theatre,Salford Royal,2a,Medial branch block,X-ray (fluoroscopy),,\n"
)
# The same two entries in another spreadsheet's own words and order.
SHEET_HEADER = [
    "Title",
    "When",
    "Kind",
    "Competency codes",
    "Site",
    "Setting",
    "Level of supervision",
    "Technique",
    "Imaging",
    "Comments",
    "Reflection",
]
SHEET_CLINIC = [
    "Follow-up clinic",
    DAY,
    "clinic",
    CLINIC,
    "Salford Royal",
    "outpatient",
    "2B",
    "",
    "",
    "Reviewed pacing plan",
    "",
]
SHEET_DOPS = [
    "Lumbar medial branch block",
    DAY,
    "dops",
    PROCEDURES,
    "Salford Royal",
    "Theatre or procedure room",
    "2a",
    "medial branch block",
    "xray",
    "",
    "",
]
SHEET_FILE = "".join(",".join(row) + "\n" for row in (SHEET_HEADER, SHEET_CLINIC, SHEET_DOPS))
SHEET_MAPPING = {"Title": "title", "When": "date", "Kind": "type", "Competency codes": "competencies", "Site": "hospital"}
SHEET_MAPPING |= {"Level of supervision": "supervision_level", "Technique": "technique", "Imaging": "guidance"}


def portal_file(extra: str = "") -> str:
    """This logbook's own CSV: the clinic, the DOPS, then any rows given."""
    return HEADER + CLINIC_ROW + DOPS_ROW + extra


def sheet_workbook() -> bytes:
    """The spreadsheet as an Excel workbook with real dates, and a third row whose kind is refused."""
    day = datetime.combine(clock.today() - timedelta(days=10), datetime.min.time())
    book = Workbook()
    sheet = book.active
    sheet.append(SHEET_HEADER)
    for row in (SHEET_CLINIC, SHEET_DOPS, ["Bad kind", DAY, "juggling", CLINIC, "", "outpatient", "2b", "", "", "", ""]):
        sheet.append([day if value == DAY else value for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
