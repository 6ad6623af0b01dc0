"""CSV export of a logbook, and CSV import that checks every row with the evidence form's own rules and skips rows
already imported (each row's fingerprint, competencies.imports)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from competencies import Curriculum
from competencies import imports as rules
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.logbook import attachments, vocab
from trainee_portal.logbook.forms import EvidenceForm
from trainee_portal.logbook.services import competency_choices, stage_level_for
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, ImportedRow, TraineeProfile
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.inputs import clean_text
from trainee_portal.platform.words import plural
from trainee_portal.summaries import progress

IMPORT_COLUMNS = ("date", "type", "title", "competencies", *EvidenceEntry.DETAIL_FIELDS)
EXPORT_COLUMNS = ("id", *IMPORT_COLUMNS, "status", "version", "attachment", "signed_at")
REQUIRED_COLUMNS = ("date", "type", "title", "competencies")
EXPORT_ONLY = frozenset(EXPORT_COLUMNS) - frozenset(IMPORT_COLUMNS)
ALIASES = {
    "occurred_on": "date",
    "evidence_type": "type",
    "supervision": "supervision_level",
    "competency": "competencies",
    "competency_codes": "competencies",
    "procedure": "technique",
}
FIELD_COLUMN = {
    "occurred_on": "date",
    "evidence_type": "type",
    "title": "title",
    "competencies": "competencies",
    "setting": "setting",
    "hospital": "hospital",
    "supervision_level": "supervision_level",
    "technique": "technique",
    "guidance": "guidance",
    "notes": "notes",
    "reflection": "reflection",
}
VOCABULARY_COLUMNS = {
    "type": "evidence_type",
    "setting": "setting",
    "supervision_level": "supervision_level",
    "technique": "technique",
    "guidance": "guidance",
}
MAX_ROWS = rules.MAX_ROWS
BATCH = 1000


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file, the header being row 1
    column: str
    message: str


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _sanitize(value) -> str:
    """Spreadsheet programs run cells starting with = + - @ as formulas; a leading apostrophe keeps them text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_lines(trainee_id: int) -> Iterator[str]:
    """The logbook as CSV lines, from plain column queries (no entry objects), sent in chunks as they are written."""
    audit.take_checkpoint("export")  # every export signs the audit log's head
    scope = (EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.superseded_at.is_(None))
    codes: dict[int, list[str]] = defaultdict(list)
    for evidence_id, code in db.session.execute(
        select(EvidenceCompetency.evidence_id, EvidenceCompetency.competency_code)
        .join(EvidenceEntry, EvidenceEntry.id == EvidenceCompetency.evidence_id)
        .where(*scope)
        .order_by(EvidenceCompetency.evidence_id, EvidenceCompetency.competency_code)
    ):
        codes[evidence_id].append(code)
    # Each export column from the entry's column of that name, but for the four named differently or computed.
    renamed = {"date": "occurred_on", "type": "evidence_type", "attachment": "attachment_name"}
    stored = [getattr(EvidenceEntry, renamed.get(name, name)).label(name) for name in EXPORT_COLUMNS if name != "competencies"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    rows = db.session.execute(select(*stored).where(*scope).order_by(EvidenceEntry.occurred_on, EvidenceEntry.id))
    for row in rows:
        stored_values = row._mapping
        values = {
            **stored_values,
            "date": stored_values["date"].isoformat(),
            "competencies": ";".join(codes.get(stored_values["id"], ())),
            "signed_at": stored_values["signed_at"].isoformat(timespec="minutes") if stored_values["signed_at"] else "",
        }
        writer.writerow([_sanitize(values[name]) for name in EXPORT_COLUMNS])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _header_name(raw: str) -> str:
    name = re.sub(r"[\s\-]+", "_", (raw or "").strip().lstrip("\ufeff").lower())
    return ALIASES.get(name, name)


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _formdata(raw: dict) -> MultiDict:
    data = MultiDict()
    for column in IMPORT_COLUMNS:
        value = (raw.get(column) or "").strip()
        if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
            value = value[1:]  # our own export's formula guard
        if column in VOCABULARY_COLUMNS and value:
            value = vocab.lookup(VOCABULARY_COLUMNS[column], value) or value
        if column == "competencies":
            for code in re.split(r"[;,|\s]+", value):
                if code:
                    data.add("competencies", code.upper())
            continue
        data.add({"date": "occurred_on", "type": "evidence_type"}.get(column, column), value)
    return data


def file_problems(data: bytes) -> tuple[list[RowError], int]:
    """What is wrong with the file as a whole (size, encoding, CSV, header, number of rows), found at once before any
    row is checked, and how many rows it holds."""
    megabytes = rules.MAX_FILE_BYTES // 1024 // 1024
    if len(data) > rules.MAX_FILE_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f} MB"
        message = (
            f"The file is {size}: a file may be at most {megabytes} MB ({rules.MAX_ROWS:,} rows). Split it and import each part"
        )
        return [RowError(1, "file", message)], 0
    result = ImportResult()
    read = _read_header(data, result)
    if read is None:
        return result.errors, 0
    reader = read[0]
    rows = 0
    try:
        for values in reader:
            if any(v.strip() for v in values):
                rows += 1
    except csv.Error as error:
        return [RowError(reader.line_num, "file", f"The file cannot be read as CSV from here on: {error}")], rows
    if rows > rules.MAX_ROWS:
        return [RowError(1, "file", f"The file has {rows:,} rows: a file may hold at most {rules.MAX_ROWS:,}. Split it")], rows
    if rows == 0:
        return [RowError(2, "file", "The file has a header but no rows to import")], 0
    return [], rows


def _read_header(data: bytes, result: ImportResult):
    """The reader positioned after the header and the header's column names, or None with the problem in result."""
    text = _decode(data)
    if text is not None:
        text = clean_text(text)  # like every form field: no NUL or other control character reaches the database
    if text is None:
        result.errors.append(RowError(1, "file", "The file is not text: save it as CSV (UTF-8) and try again"))
        return None
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
    except csv.Error as error:
        result.errors.append(RowError(1, "file", f"The file cannot be read as CSV: {error}"))
        return None
    if not header or not any(h.strip() for h in header):
        result.errors.append(RowError(1, "header", "The file is empty: the first row must name the columns"))
        return None
    names = [_header_name(h) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    duplicated = sorted(n for n, count in Counter(names).items() if n and count > 1)
    if missing or duplicated:
        if missing:
            result.errors.append(
                RowError(
                    1,
                    "header",
                    f"Add the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                    f"(the first row must name the columns: {', '.join(IMPORT_COLUMNS)})",
                )
            )
        if duplicated:
            result.errors.append(RowError(1, "header", f"Each column may appear once: {', '.join(duplicated)} appears twice"))
        return None
    return reader, header, names


def check_csv(data: bytes, curriculum: Curriculum, on_row: Callable[[], None] | None = None) -> ImportResult:
    """Every row of this app's own CSV through the evidence form; errors by row and column. Nothing is written here."""
    result = ImportResult()
    read = _read_header(data, result)
    if read is None:
        return result
    reader, header, names = read
    result.ignored_columns = [h for h, n in zip(header, names) if n and n not in IMPORT_COLUMNS and n not in EXPORT_ONLY]
    return check_records(_csv_records(reader, names), curriculum, result, on_row=on_row)


def _csv_records(reader, names: list[str]) -> Iterator[tuple[int, dict] | RowError]:
    """Each row of the CSV as (line, {column: text}), or the RowError that keeps it from being read."""
    try:
        for line, values in enumerate(reader, start=2):
            if len(values) != len(names) and any(v.strip() for v in values):
                yield RowError(
                    line,
                    "row",
                    f"This row has {plural(len(values), 'value')} but the header has "
                    f"{plural(len(names), 'column')}: check for a missing comma or an unquoted comma in the text",
                )
                continue
            yield line, {n: v for n, v in zip(names, values) if n}
    except csv.Error as error:
        yield RowError(reader.line_num, "file", f"The file cannot be read as CSV from here on: {error}")


def check_records(
    records: Iterable[tuple[int, dict] | RowError],
    curriculum: Curriculum,
    result: ImportResult | None = None,
    on_row: Callable[[], None] | None = None,
    columns: dict[str, str] | None = None,
) -> ImportResult:
    """Every record ({column of this app's CSV: text}, numbered by its line in the file) through the evidence form,
    whatever file it was read from: the form's own checks (the patient-identifier guard among them) and vocabulary.
    `columns` names, for each field, the file's own column, so an error names the column the trainee sees.
    Nothing is written here."""
    result = result if result is not None else ImportResult()
    columns = columns or {}
    # One form, processed again for every row: building 10,000 forms costs more than checking them.
    form = EvidenceForm(formdata=None, meta={"csrf": False})
    form.competencies.choices = competency_choices(curriculum)
    for record in records:
        if on_row:
            on_row()
        if isinstance(record, RowError):
            result.errors.append(record)
            if record.column == "file":
                break
            continue
        line, raw = record
        if not any((v or "").strip() for v in raw.values()):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            result.errors.append(RowError(line, "file", f"A file may hold at most {MAX_ROWS:,} rows: split it"))
            break
        unknown = _unknown_words(raw) if columns else {}
        form.process(formdata=_formdata(raw))
        form.validate()
        for name, errors in form.errors.items():
            column = FIELD_COLUMN.get(name, name)
            if column in unknown:
                continue
            for message in errors:
                result.errors.append(RowError(line, columns.get(column, column), message))
        for column, message in unknown.items():
            result.errors.append(RowError(line, columns.get(column, column), message))
        if not form.errors and not unknown:
            data = form.data
            result.rows.append({**{n: data[n] for n in FIELD_COLUMN}, "line": line})
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "file", "The file has a header but no rows to import"))
    return result


def _unknown_words(raw: dict) -> dict[str, str]:
    """For a mapped file: each vocabulary value the vocabulary does not know, with the values it allows."""
    unknown = {}
    for column, vocabulary in VOCABULARY_COLUMNS.items():
        value = (raw.get(column) or "").strip()
        if value and vocab.lookup(vocabulary, value) is None:
            allowed = "; ".join(f"{code} ({text})" if text != code else code for code, text in vocab.LABELS[vocabulary].items())
            unknown[column] = f"“{value[:60]}” is not a value this field allows: use one of {allowed}"
    return unknown


def audited_name(filename: str) -> str:
    """The file name as the hash-chained audit log may keep it: never one holding a patient identifier."""
    return "(file name withheld: it held a patient identifier)" if attachments.name_problem(filename) else filename[-200:]


class RowsClaimed(Exception):
    """Another import, running at the same time, saved some of these rows first: check again and skip them."""


@dataclass
class Saved:
    imported: int
    skipped_lines: list[int]


def known_fingerprints(trainee_id: int) -> set[str]:
    """Fingerprints of the rows this trainee has: every row imported since fingerprints were kept, and every current
    entry's own (so entries written by hand or imported before, and a file exported from the logbook, are found)."""
    known = set(db.session.scalars(select(ImportedRow.fingerprint).where(ImportedRow.trainee_id == trainee_id)))
    codes: dict[int, list[str]] = defaultdict(list)
    scope = (EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.superseded_at.is_(None))
    for evidence_id, code in db.session.execute(
        select(EvidenceCompetency.evidence_id, EvidenceCompetency.competency_code)
        .join(EvidenceEntry, EvidenceEntry.id == EvidenceCompetency.evidence_id)
        .where(*scope)
    ):
        codes[evidence_id].append(code)
    fields = [getattr(EvidenceEntry, name) for name in rules.FINGERPRINT_FIELDS if name != "competencies"]
    entries = db.session.execute(select(EvidenceEntry.id, *fields).where(*scope).order_by(EvidenceEntry.id))
    known.update(rules.fingerprints({**row._mapping, "competencies": codes.get(row.id, ())} for row in entries))
    return known


def split_known(trainee_id: int, rows: list[dict]) -> tuple[list[dict], list[str], list[int]]:
    """The checked rows this trainee does not have yet with their fingerprints, and the lines of those they have:
    the one decision both an import and its dry run take."""
    known = known_fingerprints(trainee_id)
    new, new_prints, skipped = [], [], []
    for row, fingerprint in zip(rows, rules.fingerprints(rows)):
        if fingerprint in known:
            skipped.append(row["line"])
        else:
            new.append(row)
            new_prints.append(fingerprint)
    return new, new_prints, skipped


def import_rows(
    user,
    profile: TraineeProfile,
    curriculum: Curriculum,
    rows: list[dict],
    filename: str,
    on_saved: Callable[[int], None] | None = None,
    actor_label: str | None = None,
    job_id: int | None = None,
) -> Saved:
    """Save the checked rows this trainee does not have yet, claiming each row's fingerprint first (the caller commits).

    The claim is an insert under a unique constraint, so two imports at once cannot both save a row: the later one
    raises RowsClaimed (after the caller rolls back, a second attempt skips the rows the first saved).
    """
    new, new_prints, skipped = split_known(profile.user_id, rows)
    claims = [
        {"trainee_id": profile.user_id, "fingerprint": fingerprint, "import_job_id": job_id, "row_number": row["line"]}
        for row, fingerprint in zip(new, new_prints)
    ]
    try:
        with db.session.begin_nested():
            for start in range(0, len(claims), BATCH * 5):
                db.session.execute(insert(ImportedRow.__table__), claims[start : start + BATCH * 5])
    except IntegrityError as error:
        raise RowsClaimed from error
    if new:
        save_rows(user, profile, curriculum, new, filename, on_saved, actor_label, job_id=job_id, fingerprints=new_prints)
    return Saved(len(new), skipped)


def _id_runs(ids: list[int]) -> list[list[int]]:
    """Sorted ids as [first, last] runs: a batch's ids are mostly consecutive, so its audit record stays small."""
    runs: list[list[int]] = []
    for evidence_id in sorted(ids):
        if runs and evidence_id == runs[-1][1] + 1:
            runs[-1][1] = evidence_id
        else:
            runs.append([evidence_id, evidence_id])
    return runs


def save_rows(
    user,
    profile: TraineeProfile,
    curriculum: Curriculum,
    rows: list[dict],
    filename: str,
    on_saved: Callable[[int], None] | None = None,
    actor_label: str | None = None,
    job_id: int | None = None,
    fingerprints: list[str] | None = None,
) -> int:
    """Insert checked rows as drafts in batches, then update the trainee's progress once (the caller commits).

    Plain executemany inserts (no per-row ORM objects, no RETURNING) keep 10,000 rows to seconds; the new ids are
    then read back by the batch's shared created_at, and each id finds its competencies through its content hash
    (the hash covers the claimed codes, so equal hashes always mean equal codes).
    """
    now = utcnow()
    added: Counter = Counter()
    codes_by_hash: dict[str, tuple[str, ...]] = {}
    columns = [c.key for c in EvidenceEntry.__table__.columns if c.key != "id"]
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        values = []
        for row in chunk:
            codes = tuple(dict.fromkeys(row["competencies"]))
            record = dict.fromkeys(columns) | {
                "trainee_id": profile.user_id,
                "evidence_type": row["evidence_type"],
                "occurred_on": row["occurred_on"],
                "stage_level": stage_level_for(curriculum, codes, profile.current_stage),
                "title": row["title"],
                "setting": row["setting"] or None,
                "hospital": row["hospital"] or None,
                "supervision_level": row["supervision_level"] or None,
                "technique": row["technique"] or None,
                "guidance": row["guidance"] or None,
                "notes": row["notes"] or "",
                "reflection": row["reflection"] or "",
                "status": "draft",
                "version": 1,
                "row_version": 1,
                "created_at": now,
                "updated_at": now,
            }
            entry = SimpleNamespace(
                **record, competency_codes=codes, is_current=True, CONTENT_FIELDS=EvidenceEntry.CONTENT_FIELDS
            )
            record["content_hash"] = EvidenceEntry.compute_content_hash(entry)
            codes_by_hash[record["content_hash"]] = codes
            added.update(progress.contribution(entry))
            values.append(record)
        db.session.execute(insert(EvidenceEntry.__table__), values)
        if on_saved:
            on_saved(len(chunk))
    new_ids = db.session.execute(
        select(EvidenceEntry.id, EvidenceEntry.content_hash).where(
            EvidenceEntry.trainee_id == profile.user_id, EvidenceEntry.created_at == now
        )
    ).all()
    links = [
        {"evidence_id": evidence_id, "competency_code": code}
        for evidence_id, content_hash in new_ids
        for code in codes_by_hash[content_hash]
    ]
    for start in range(0, len(links), BATCH * 2):
        db.session.execute(insert(EvidenceCompetency.__table__), links[start : start + BATCH * 2])
    progress.record_change(profile.user_id, Counter(), added)
    # One record for the whole batch: the ids it created (so verify-audit notices a row later removed) and a digest
    # of the rows' content hashes and fingerprints.
    digest = hashlib.sha256()
    for evidence_id, content_hash in sorted(new_ids):
        digest.update(f"{evidence_id}:{content_hash}\n".encode())
    for fingerprint in fingerprints or ():
        digest.update(f"{fingerprint}\n".encode())
    payload = {"rows": len(rows), "file": audited_name(filename), "evidence_ids": _id_runs([i for i, _ in new_ids])}
    payload["rows_sha256"] = digest.hexdigest()
    if job_id is not None:
        payload["import_job_id"] = job_id
    audit.append(
        "evidence.imported",
        actor=user,
        actor_label=actor_label,
        trainee_id=profile.user_id,
        subject_type="trainee",
        subject_id=profile.user_id,
        payload=payload,
    )
    return len(rows)
