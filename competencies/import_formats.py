"""The formats a logbook import reads, and how the columns of another portfolio's file map to the logbook's fields.

Three formats: this app's own CSV (its columns named as the logbook's export names them), a generic spreadsheet
(CSV or .xlsx, first sheet) whose columns the trainee maps to logbook fields, and the logbook export of the RCoA
Lifelong Learning Platform (LLP), read as a generic spreadsheet with a preset mapping the trainee confirms.

The LLP preset is the programme's own reading, not an RCoA specification: the RCoA publishes no column layout for
the LLP logbook's export. Its header names are taken from what the RCoA's own LLP guidance says the logbook records
for each case, clinic and procedure ("LLP-NOV", "LLP-FAQ" in the programme's domain review: the date, the hospital,
the supervision, the procedure and how it was guided, notes and reflection, and the curriculum competences an entry
is linked to). A file whose headers differ is mapped by the trainee like any spreadsheet.

Header guessing is the programme's own: a header is compared, case and punctuation aside, with each field's usual
names; a field is guessed for one column at most, and every other column is "Do not import" until the trainee
chooses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PORTAL, LLP, GENERIC = "portal", "llp", "generic"
FORMATS = {
    PORTAL: "This logbook's own CSV",
    LLP: "RCoA Lifelong Learning Platform (LLP) logbook export",
    GENERIC: "Another spreadsheet (CSV or Excel .xlsx)",
}
MAPPED_FORMATS = (LLP, GENERIC)  # formats whose columns go through the mapping step
SKIP = ""  # "Do not import": the column is read for nothing


@dataclass(frozen=True)
class Field:
    name: str  # the column name of this app's own CSV
    label: str
    required: bool
    words: tuple[str, ...]  # usual header names, normalised (see header_key)


FIELDS: tuple[Field, ...] = (
    Field(
        "date",
        "Date",
        True,
        ("date", "occurred on", "date of activity", "activity date", "case date", "event date", "when", "day"),
    ),
    Field(
        "type",
        "Kind of evidence",
        True,
        ("type", "evidence type", "kind", "kind of evidence", "activity type", "entry type", "category", "form"),
    ),
    Field("title", "Title", True, ("title", "description", "activity", "summary", "activity title")),
    Field(
        "competencies",
        "Competencies",
        True,
        (
            "competencies",
            "competency",
            "competences",
            "curriculum links",
            "curriculum",
            "learning outcomes",
            "codes",
            "competency codes",
        ),
    ),
    Field("setting", "Setting", False, ("setting", "location", "environment")),
    Field("hospital", "Hospital", False, ("hospital", "site", "trust", "hospital name")),
    Field(
        "supervision_level",
        "Supervision level",
        False,
        ("supervision level", "supervision", "level of supervision", "supervised"),
    ),
    Field("technique", "Technique", False, ("technique", "procedure", "procedure type", "intervention")),
    Field("guidance", "Guidance", False, ("guidance", "imaging", "image guidance", "guided by", "procedure guidance")),
    Field("notes", "Notes", False, ("notes", "note", "comments", "comment", "details", "free text")),
    Field("reflection", "Reflection", False, ("reflection", "reflections", "learning points", "what i learned")),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
REQUIRED = tuple(f.name for f in FIELDS if f.required)
LABELS = {f.name: f.label for f in FIELDS} | {SKIP: "Do not import"}

# The programme's reading of the LLP logbook export's headers (see the module's docstring): header -> field.
LLP_PRESET: dict[str, str] = {
    "date": "date",
    "activity type": "type",
    "description": "title",
    "curriculum links": "competencies",
    "location": "setting",
    "hospital": "hospital",
    "supervision": "supervision_level",
    "procedure": "technique",
    "guidance": "guidance",
    "comments": "notes",
    "reflection": "reflection",
}
LLP_HEADERS = (
    "Date",
    "Activity type",
    "Description",
    "Curriculum links",
    "Location",
    "Hospital",
    "Supervision",
    "Procedure",
    "Guidance",
    "Comments",
    "Reflection",
)


def header_key(header: str) -> str:
    """A header as guessing compares it: lower case, words separated by one space, no punctuation."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", (header or "").casefold()).split())


def guess_mapping(headers: Sequence[str], source_format: str = GENERIC) -> dict[str, str]:
    """Each header's guessed field (SKIP when none): the LLP preset first for an LLP file, then the fields' usual
    names; each field is guessed for the first column that names it."""
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for header in headers:
        key = header_key(header)
        field = LLP_PRESET.get(key) if source_format == LLP else None
        if field is None:
            field = next((f.name for f in FIELDS if key in f.words or key == f.name.replace("_", " ")), SKIP)
        if field in taken:
            field = SKIP
        taken.add(field)
        mapping[header] = field
    return mapping


def mapping_problems(headers: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    """What keeps a mapping from being used, in words for the trainee: a column not in the file, a field that is
    not a logbook field, a field chosen for two columns, a required field chosen for none."""
    return [message for _column, message in mapping_issues(headers, mapping)]


def mapping_issues(headers: Sequence[str], mapping: Mapping[str, str]) -> list[tuple[str | None, str]]:
    """mapping_problems, each with the column of the mapping it is about (None when it is about the mapping as a
    whole: a field chosen for two columns, a required field chosen for none), for a caller that points at it."""
    issues: list[tuple[str | None, str]] = []
    present = set(headers)
    for column, field in mapping.items():
        if column not in present:
            issues.append((column, f"The file has no column named “{column}”"))
        if field != SKIP and field not in FIELD_NAMES:
            issues.append(
                (column, f"“{field}” is not a logbook field: choose one of {', '.join(FIELD_NAMES)}, or do not import it")
            )
    chosen = [field for field in mapping.values() if field != SKIP]
    for field in dict.fromkeys(f for f in chosen if chosen.count(f) > 1):
        columns = ", ".join(f"“{c}”" for c, f in mapping.items() if f == field)
        issues.append((None, f"{LABELS.get(field, field)} is chosen for more than one column ({columns}): choose it for one"))
    for field in REQUIRED:
        if field not in chosen:
            issues.append((None, f"Choose the column that holds the {LABELS[field].lower()}: every entry needs one"))
    return issues
