"""A small file that costs the importer hours: a workbook of under 2 KB whose one cell sits at XFD1048576 (Excel's
last column and row, so every row up to it is read as 16,384 empty cells), or a CSV whose header names hundreds of
thousands of columns. Each must be refused in a moment with a message saying why, over the API's dry run as from
any other door (they all read the file with imports/sheets.read_table)."""

from __future__ import annotations

import io
import signal
import time
import zipfile
from contextlib import contextmanager

import pytest

from competencies import imports as rules
from tests.factories import TraineeFactory
from tests.support.api import assert_problem, bearer
from trainee_portal.imports import sheets

SECONDS = 20  # far more than a refusal takes; the files below took hours before the importer bounded them

WORKBOOK = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _workbook(last_row: int, last_column: str) -> bytes:
    """A workbook whose header is Date, Title and whose only other cell is at last_column, last_row."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{last_column}{last_row}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c><c r="B1" t="inlineStr"><is><t>Title</t></is></c></row>'
        f'<row r="{last_row}"><c r="{last_column}{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**WORKBOOK, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@contextmanager
def _deadline(seconds: int):
    def expired(_signal, _frame):
        raise TimeoutError(f"still reading the file after {seconds} seconds")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# (file, name, the problem's row and a word of its message). A workbook's columns past the bound are never read (its
# rows would be filled out to the sheet's width first), so a cell there leaves a header with no rows under it.
FILES = {
    "a cell at the sheet's last row and column": (lambda: _workbook(1_048_576, "XFD"), "bomb.xlsx", 1, "rows"),
    "a cell at the sheet's last row": (lambda: _workbook(1_048_576, "B"), "rows.xlsx", 1, "rows"),
    "a cell at the sheet's last column": (lambda: _workbook(3, "XFD"), "wide.xlsx", 2, "no rows"),
    "a CSV header of 300,000 columns": (
        lambda: (",".join(f"c{i}" for i in range(300_000)) + "\n" + "x\n").encode(),
        "wide.csv",
        1,
        "columns",
    ),
    "a CSV of a million blank lines": (lambda: b"Date,Title\n" + b",\n" * 1_000_000 + b"x,y\n", "tall.csv", 1, "rows"),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_a_file_that_would_take_hours_to_read_is_refused_at_once(case):
    build, name, row, word = FILES[case]
    data = build()
    assert len(data) <= rules.MAX_FILE_BYTES
    started = time.monotonic()
    with _deadline(SECONDS):
        table = sheets.read_table(data, name)
    assert time.monotonic() - started < SECONDS
    assert [problem.row for problem in table.problems] == [row], table.problems[:3]
    assert word in table.problems[0].message, table.problems[0].message
    assert not table.rows


def test_the_apis_dry_run_refuses_the_workbook_bomb_with_a_problem(client):
    trainee = TraineeFactory()
    body = {"file": (io.BytesIO(_workbook(1_048_576, "XFD")), "bomb.xlsx"), "format": "generic", "dry_run": "true"}
    with _deadline(SECONDS):
        response = client.post(
            "/api/v1/imports", data=body, headers=bearer(trainee, ("read", "evidence:write")), content_type="multipart/form-data"
        )
    problem = assert_problem(response, 422)
    assert "rows" in response.get_data(as_text=True), problem


def test_a_workbook_within_the_bounds_is_still_read():
    table = sheets.read_table(_workbook(rules.MAX_LINES, "GR"), "fine.xlsx")  # GR: the 200th column
    assert len(table.headers) == rules.MAX_COLUMNS and table.headers[:3] == ["Date", "Title", "Column C"]
    assert [number for number, _ in table.rows] == [rules.MAX_LINES] and not table.problems


def test_a_csv_value_beyond_the_last_column_is_refused_but_empty_cells_there_are_not():
    wide = sheets.read_table(("Date,Title" + "," * 300 + "\nx,y" + "," * 300 + "z\n").encode(), "wide.csv")
    assert wide.problems[0].row == 1 and "Row 2 has a value beyond column GR" in wide.problems[0].message
    padded = sheets.read_table(("Date,Title" + "," * 300 + "\nx,y" + "," * 300 + "\n").encode(), "padded.csv")
    [(number, values)] = padded.rows
    assert padded.headers == ["Date", "Title"] and not padded.problems
    assert number == 2 and values[:2] == ["x", "y"] and len(values) == rules.MAX_COLUMNS


def test_this_logbooks_own_csv_with_a_header_of_300000_columns_is_refused_at_once(client):
    trainee = TraineeFactory()
    header = ",".join(f"c{i}" for i in range(300_000))
    body = {"file": (io.BytesIO(f"{header}\nx\n".encode()), "wide.csv"), "format": "portal", "dry_run": "true"}
    with _deadline(SECONDS):
        response = client.post(
            "/api/v1/imports", data=body, headers=bearer(trainee, ("read", "evidence:write")), content_type="multipart/form-data"
        )
    assert_problem(response, 422)
    assert "Add the columns" in response.get_data(as_text=True)
