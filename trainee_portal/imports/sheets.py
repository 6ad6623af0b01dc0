"""Reading a spreadsheet to import: a CSV file or the first sheet of an .xlsx workbook becomes its header and its rows
(each numbered by its row in the file, the header being row 1), bounded like this app's own CSV; and a mapping turns
each row into the columns of this app's own CSV, for the same checks."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from competencies import import_formats as formats
from competencies import imports as rules
from trainee_portal.logbook import csv_io
from trainee_portal.logbook.csv_io import RowError
from trainee_portal.platform.inputs import clean_text
from trainee_portal.platform.words import plural

SAMPLES = 3  # sample values shown for each column on the mapping page
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row in the file, values), blank rows left out
    problems: list[RowError] = field(default_factory=list)

    def samples(self, index: int) -> list[str]:
        values = [values[index] for _, values in self.rows if index < len(values) and values[index].strip()]
        return [value[:60] for value in values[:SAMPLES]]


def is_xlsx(data: bytes, filename: str) -> bool:
    return filename.lower().endswith(".xlsx") or data[:4] == XLSX_MAGIC


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value) -> str:
    """A cell as the logbook reads it: dates as ISO dates, whole numbers without a decimal point, text cleaned."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


def _headers(raw: list[str]) -> tuple[list[str], list[RowError]]:
    """Header names as the mapping page shows them: a blank one (such as the second cell of a merged header) is
    called by its column's letter; two columns may not share a name."""
    names = [(h or "").strip().lstrip("\ufeff") or f"Column {_column_letter(i)}" for i, h in enumerate(raw)]
    twice = sorted(n for n, count in Counter(names).items() if count > 1)
    if twice:
        return names, [
            RowError(1, "header", f"Each column needs its own name in the first row: {', '.join(twice)} appears twice")
        ]
    return names, []


def read_table(data: bytes, filename: str) -> Table:
    """The file's header and rows, or its problems as a whole (too large, too many rows, unreadable, no rows)."""
    table = Table()
    if len(data) > rules.MAX_FILE_BYTES:
        megabytes = rules.MAX_FILE_BYTES // 1024 // 1024
        size = f"{len(data) / 1024 / 1024:.1f} MB"
        table.problems.append(
            RowError(1, "file", f"The file is {size}: a file may be at most {megabytes} MB ({rules.MAX_ROWS:,} rows). Split it")
        )
        return table
    lines = _xlsx_lines(data, table) if is_xlsx(data, filename) else _csv_lines(data, table)
    if lines is None:
        return table
    header: list[str] | None = None
    number = 0
    try:
        for number, values in lines:
            if number > rules.MAX_LINES:
                table.problems.append(RowError(1, "file", _too_many_lines()))
                return table
            if len(values) > rules.MAX_COLUMNS:
                if any(v.strip() for v in values[rules.MAX_COLUMNS :]):
                    table.problems.append(RowError(1, "file", _too_many_columns(number)))
                    return table
                values = values[: rules.MAX_COLUMNS]
            if header is None:
                if not any(v.strip() for v in values):
                    table.problems.append(RowError(1, "header", "The first row must name the columns: it is empty"))
                    return table
                header = values
                continue
            if not any(v.strip() for v in values):
                continue
            if len(table.rows) >= rules.MAX_ROWS:
                message = f"The file has more than {rules.MAX_ROWS:,} rows: a file may hold at most {rules.MAX_ROWS:,}. Split it"
                table.problems.append(RowError(1, "file", message))
                return table
            table.rows.append((number, values))
    except csv.Error as error:
        table.problems.append(RowError(number + 1, "file", f"The file cannot be read as CSV from here on: {error}"))
        return table
    if header is None:
        table.problems.append(RowError(1, "header", "The file is empty: the first row must name the columns"))
        return table
    # A sheet's rows reach as far as any cell was ever formatted: its columns end at the last one holding a value.
    width = max((i + 1 for _, values in [(1, header), *table.rows] for i, v in enumerate(values) if v.strip()), default=0)
    table.headers, problems = _headers(header[:width] + [""] * (width - len(header)))
    table.problems.extend(problems)
    if not table.rows and not problems:
        table.problems.append(RowError(2, "file", "The file has a header but no rows to import"))
    return table


def _too_many_lines() -> str:
    return (
        f"The file's rows reach beyond row {rules.MAX_LINES:,}, blank rows included: a file may hold at most "
        f"{rules.MAX_ROWS:,} rows. Delete the rows below your entries, or split it"
    )


def _too_many_columns(number: int) -> str:
    return (
        f"Row {number:,} has a value beyond column {_column_letter(rules.MAX_COLUMNS - 1)}: a file may have at most "
        f"{rules.MAX_COLUMNS} columns. Delete the columns you do not import"
    )


def _csv_lines(data: bytes, table: Table) -> Iterator[tuple[int, list[str]]] | None:
    text = csv_io._decode(data)
    if text is None:
        table.problems.append(RowError(1, "file", "The file is not text or Excel (.xlsx): save it as CSV (UTF-8) or .xlsx"))
        return None
    reader = csv.reader(io.StringIO(clean_text(text), newline=""))
    return enumerate(reader, start=1)


def _xlsx_lines(data: bytes, table: Table) -> Iterator[tuple[int, list[str]]] | None:
    """The first sheet's rows, read as a stream (values as last calculated: a formula's text is never read)."""
    from openpyxl import load_workbook  # loaded only for a workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception:  # openpyxl raises many kinds on a damaged or disguised file: each is the same answer
        table.problems.append(
            RowError(1, "file", "The file cannot be read as an Excel workbook (.xlsx): save it again as .xlsx or CSV")
        )
        return None

    def lines() -> Iterator[tuple[int, list[str]]]:
        try:
            # One column past the bound is read, to tell a file that goes beyond it; none further, however wide the
            # sheet says it is (every row of a read-only sheet is filled out to its width).
            rows = sheet.iter_rows(max_col=rules.MAX_COLUMNS + 1, values_only=True)
            for number, row in enumerate(rows, start=1):
                yield number, [_cell_text(v) for v in row]
        finally:
            book.close()

    return lines()


def mapped_records(table: Table, mapping: Mapping[str, str]) -> Iterator[tuple[int, dict] | RowError]:
    """Each row as this app's CSV columns, through the mapping (header -> field); "Do not import" columns are left out."""
    chosen = [(index, mapping.get(header, formats.SKIP)) for index, header in enumerate(table.headers)]
    width = len(table.headers)
    for number, values in table.rows:
        if len(values) > width and any(v.strip() for v in values[width:]):
            yield RowError(
                number, "row", f"This row has {plural(len(values), 'value')} but the first row names {plural(width, 'column')}"
            )
            continue
        yield number, {field: values[index] if index < len(values) else "" for index, field in chosen if field}


def columns_named(mapping: Mapping[str, str]) -> dict[str, str]:
    """For each field, the file's column that fills it, so a row's error names the column the trainee knows (a field
    no column fills is named as such)."""
    named = {field.name: f"{field.label} (no column chosen)" for field in formats.FIELDS}
    return named | {field: header for header, field in mapping.items() if field}
