"""The rules of a logbook import: the largest file, how much of a result a page lists, and each row's fingerprint.

The limits are the programme's own (no FPM or RCoA source sets them): 50,000 rows is more than a whole training
programme logs, and 32 MB holds 50,000 rows with a long note on each.

A row's fingerprint is the SHA-256 of its normalised content (the columns the import reads, after the evidence
form's checks: dates as ISO dates, vocabulary as codes, competency codes sorted) and of how many identical rows came
before it. Two identical procedures on one day are two rows: the second's fingerprint differs from the first's, and
importing the same file again finds both.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from .evidence import DETAIL_FIELDS, detail_fields

MAX_ROWS = 50_000  # the programme's own limit (see above)
MAX_FILE_BYTES = 32 * 1024 * 1024  # the programme's own limit (see above)
# The programme's own bounds on a sheet's shape, so a small file cannot cost the importer hours: a workbook of a few
# hundred bytes may name a cell at Excel's last column and row, and every row up to it reads as that wide. No
# logbook export has near 200 columns, and blank rows beyond twice the row limit are no logbook's.
MAX_COLUMNS = 200
MAX_LINES = 2 * MAX_ROWS  # lines read, blank ones included
PROBLEMS_SHOWN = 50  # rejected rows listed on the result page; the rest are in its CSV of problems
SKIPPED_SHOWN = 10
# A job still running this long after it started was stopped with its worker (its rows rolled back): it is failed,
# so the trainee may upload again. The programme's own limit: 50,000 rows take a minute or two.
STALE_AFTER_MINUTES = 30  # row numbers of skipped rows listed on the result page
FINGERPRINT_FIELDS = (
    "occurred_on",
    "evidence_type",
    "title",
    "competencies",
    "setting",
    "hospital",
    "supervision_level",
    "technique",
    "guidance",
    "notes",
    "reflection",
)
JOB_STATUSES = ("queued", "running", "done", "failed")
FINISHED = ("done", "failed")


def row_content(values: Mapping) -> str:
    """The canonical text of one row: what the fingerprint covers, the same whether read from a file or an entry.

    A detail the row's kind does not record counts as blank: the evidence form and the import drop it, but an entry
    saved before that rule (a reflection with a hospital) may still hold it, and its exported row must still match."""
    content = {}
    recorded = detail_fields(str(values.get("evidence_type") or "").strip())
    for name in FINGERPRINT_FIELDS:
        value = None if name in DETAIL_FIELDS and name not in recorded else values.get(name)
        if name == "competencies":
            content[name] = sorted({str(code).strip().upper() for code in value or () if str(code).strip()})
        elif isinstance(value, date):
            content[name] = value.isoformat()
        else:
            content[name] = "" if value is None else str(value).strip()
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprints(rows: Iterable[Mapping]) -> list[str]:
    """One fingerprint per row, in order: the n-th copy of identical content gets its own."""
    seen: Counter = Counter()
    result = []
    for values in rows:
        content = row_content(values)
        result.append(hashlib.sha256(f"{seen[content]}\n{content}".encode()).hexdigest())
        seen[content] += 1
    return result


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
