"""Writes of logbook imports: an upload becomes a queued job (its file kept in instance/imports/ until the job ends),
and the queue's task checks and saves its rows in the background, skipping rows the trainee already has.

Three formats (competencies.import_formats): this app's own CSV, the RCoA LLP logbook export and a generic
spreadsheet, the last two read through a mapping of their columns to logbook fields. `check` is the dry run and
`start` the import, each meant for the web pages, the CLI and the API alike: the same checks, the same figures."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from competencies import import_formats as formats
from competencies import imports as rules
from trainee_portal import audit, curricula, policy
from trainee_portal.extensions import db
from trainee_portal.imports import queries, sheets
from trainee_portal.logbook import csv_io
from trainee_portal.logbook.csv_io import ImportResult, RowError
from trainee_portal.models import ImportJob, User
from trainee_portal.platform import tasks
from trainee_portal.platform.clock import utcnow

log = logging.getLogger(__name__)
PROGRESS_EVERY = 2000  # rows checked between two progress updates
SAVE_ATTEMPTS = 3  # another import saving the same rows at once makes an attempt start again
FAILED = "The import stopped before it finished, and nothing from it was saved. Upload the file again."


class ImportRefused(Exception):
    """The upload cannot become an import; the message says why, and `earlier` is the import it refers to. A refused
    mapping also gives `mapping_issues`: (column or None, message) for each message (formats.mapping_issues)."""

    def __init__(
        self, messages: list[str], earlier: ImportJob | None = None, mapping_issues: list[tuple[str | None, str]] | None = None
    ):
        super().__init__(messages[0])
        self.messages = messages
        self.earlier = earlier
        self.mapping_issues = mapping_issues or []


def upload_dir() -> Path:
    """Uploads waiting for the worker: in the instance folder, outside the web root."""
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class CheckReport:
    """What an import of the file would do, row by row, with nothing saved: `refused` holds why the whole file would
    be refused (then nothing would be imported); else `would_import` rows are new, `skipped_lines` are already in the
    logbook, and `errors` name each rejected row's column and problem."""

    source_format: str
    mapping: dict[str, str] | None = None
    refused: list[str] = field(default_factory=list)
    rows_total: int = 0
    would_import: int = 0
    skipped_lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({e.row for e in self.errors})


def prepare(data: bytes, filename: str, source_format: str, mapping: Mapping[str, str] | None) -> tuple[int, dict | None]:
    """Check the file as a whole in its format (size, rows, header, and for a mapped format the mapping, guessed from
    the headers when not given): its number of rows and the mapping used, or ImportRefused saying what is wrong."""
    if source_format not in formats.FORMATS:
        raise ImportRefused([f"“{source_format}” is not a format this import reads: use one of {', '.join(formats.FORMATS)}"])
    if source_format == formats.PORTAL:
        if sheets.is_xlsx(data, filename):
            raise ImportRefused(["This logbook's own format is CSV: import an Excel workbook as another spreadsheet"])
        problems, rows = csv_io.file_problems(data)
        if problems:
            raise ImportRefused([_whole_file(p) for p in problems])
        return rows, None
    table = sheets.read_table(data, filename)
    if table.problems:
        raise ImportRefused([_whole_file(p) for p in table.problems])
    chosen = dict(mapping) if mapping is not None else formats.guess_mapping(table.headers, source_format)
    issues = formats.mapping_issues(table.headers, chosen)
    if issues:
        raise ImportRefused([message for _column, message in issues], mapping_issues=issues)
    return len(table.rows), {header: chosen.get(header, formats.SKIP) for header in table.headers}


def _whole_file(problem: RowError) -> str:
    return f"Row {problem.row}: {problem.message}" if problem.row > 1 else problem.message


def check_rows(
    data: bytes, filename: str, source_format: str, mapping: Mapping[str, str] | None, curriculum, on_row=None
) -> ImportResult:
    """Every row of a file already prepared, through the evidence form's checks (nothing is written here)."""
    if source_format == formats.PORTAL:
        return csv_io.check_csv(data, curriculum, on_row=on_row)
    table = sheets.read_table(data, filename)
    result = ImportResult(errors=list(table.problems))
    if table.problems:
        return result
    result.ignored_columns = [h for h in table.headers if not mapping.get(h)]
    records = sheets.mapped_records(table, mapping)
    return csv_io.check_records(records, curriculum, result, on_row=on_row, columns=sheets.columns_named(mapping))


def check(
    user: User, data: bytes, filename: str, source_format: str = formats.PORTAL, mapping: Mapping[str, str] | None = None
) -> CheckReport:
    """The dry run, for the web, the CLI and the API alike: every row checked as the import would check it, and what
    the import would do (new rows, rows already in the logbook, rejected rows, or the whole file refused). Saves
    nothing: no entry, no imported row, no job, no audit record."""
    report = CheckReport(source_format, dict(mapping) if mapping is not None else None)
    if not policy.can_receive_logbook_import(user):
        report.refused = ["Only a trainee's own logbook receives an import"]
        return report
    try:
        report.rows_total, report.mapping = prepare(data, filename, source_format, mapping)
    except ImportRefused as refused:
        report.refused = refused.messages
        return report
    earlier = queries.same_file(user.id, rules.file_sha256(data))
    if earlier is not None:
        report.refused = [duplicate_message(earlier)]
    curriculum = curricula.curriculum(user.trainee_profile.curriculum_version)
    result = check_rows(data, filename, source_format, report.mapping, curriculum)
    whole_file = [e for e in result.errors if e.column in ("file", "header")]
    if whole_file:
        report.refused += [_whole_file(e) for e in whole_file]
        return report
    new, _prints, skipped = csv_io.split_known(user.id, result.rows)
    report.would_import, report.skipped_lines = len(new), skipped
    report.errors, report.ignored_columns = result.errors, result.ignored_columns
    report.rows_total = len(result.rows) + len(report.rejected_lines)
    return report


def start(
    user: User, data: bytes, filename: str, source_format: str = formats.PORTAL, mapping: Mapping[str, str] | None = None
) -> ImportJob:
    """The import, for the web, the CLI and the API alike: check the file as a whole (and a mapped format's
    mapping), refuse a file imported before or a second import at once, keep the file and queue a job (the caller
    commits, then calls queue); the rows are checked and saved in the background."""
    rows, used_mapping = prepare(data, filename, source_format, mapping)
    file_sha256 = rules.file_sha256(data)
    earlier = queries.same_file(user.id, file_sha256)
    if earlier is not None:
        raise ImportRefused([duplicate_message(earlier)], earlier)
    _fail_stale_jobs(user.id)
    running = queries.unfinished_job(user.id)
    if running is not None:
        raise ImportRefused(
            [f"Your import of {running.filename} from {queries.when(running)} has not finished: wait for it, then upload."],
            running,
        )
    stored_name = f"{secrets.token_hex(16)}.{'xlsx' if sheets.is_xlsx(data, filename) else 'csv'}"
    (upload_dir() / stored_name).write_bytes(data)
    job = ImportJob(
        trainee_id=user.id,
        created_by_id=user.id,
        filename=csv_io.audited_name(filename),
        file_sha256=file_sha256,
        size_bytes=len(data),
        stored_name=stored_name,
        rows_total=rows,
        source_format=source_format,
        mapping=json.dumps(used_mapping) if used_mapping is not None else None,
    )
    db.session.add(job)
    db.session.flush()
    payload = {"file": job.filename, "file_sha256": file_sha256, "bytes": len(data), "rows": rows}
    if source_format != formats.PORTAL:
        payload["format"] = source_format
    audit.append("import.queued", actor=user, trainee_id=user.id, subject_type="import_job", subject_id=job.id, payload=payload)
    return job


def duplicate_message(earlier: ImportJob) -> str:
    if earlier.status == "done":
        rows = f"{earlier.rows_imported:,} {'entry' if earlier.rows_imported == 1 else 'entries'} imported"
        return (
            f"You imported this file on {queries.when(earlier)} ({rows}, {earlier.rows_skipped:,} already in your logbook, "
            f"{earlier.rows_rejected:,} rejected). Nothing was imported again."
        )
    return f"You uploaded this file on {queries.when(earlier)} and its import has not finished. Nothing was imported again."


def queue(job: ImportJob) -> None:
    """Hand the committed job to the worker; if the queue cannot take it, the job fails with a message."""
    try:
        tasks.enqueue("imports.run", job.id)
    except Exception:
        log.exception("import job %s could not be queued", job.id)
        db.session.rollback()
        _fail(job.id, "The import could not be started. Upload the file again in a few minutes.", "not_queued")


@tasks.task("imports.run")
def run(job_id: int) -> None:
    """The worker's task: check every row, save the new ones, record the result. Runs once per job, however often the
    queue delivers it (the job is claimed from queued to running first)."""
    claimed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == "queued")
        .values(status="running", started_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        return
    try:
        _run(db.session.get(ImportJob, job_id))
    except Exception:
        log.exception("import job %s failed", job_id)
        db.session.rollback()
        _fail(job_id, FAILED)


def _run(job: ImportJob) -> None:
    trainee = db.session.get(User, job.trainee_id)
    path = upload_dir() / (job.stored_name or "missing")
    if not policy.can_receive_logbook_import(trainee) or not path.is_file():
        _fail(job.id, "The import could not run: the account is no longer a trainee's or the file is gone.", "unavailable")
        return
    data = path.read_bytes()
    profile = trainee.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    checked = 0

    def on_row() -> None:
        nonlocal checked
        checked += 1
        if checked % PROGRESS_EVERY == 0:  # only the job's progress is committed here: no row is written yet
            db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(rows_checked=checked))
            db.session.commit()

    mapping = json.loads(job.mapping) if job.mapping else None
    result = check_rows(data, job.stored_name, job.source_format, mapping, curriculum, on_row=on_row)
    whole_file = [e for e in result.errors if e.column in ("file", "header")]
    if whole_file:
        _fail(job.id, " ".join(f"Row {e.row}: {e.message}." for e in whole_file) + " Nothing was imported.", "file")
        return
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            saved = csv_io.import_rows(trainee, profile, curriculum, result.rows, job.filename, job_id=job.id)
            break
        except (csv_io.RowsClaimed, OperationalError):
            db.session.rollback()
            if attempt == SAVE_ATTEMPTS:
                raise
    job = db.session.get(ImportJob, job.id)
    rejected = sorted({e.row for e in result.errors})
    job.status, job.finished_at = "done", utcnow()
    job.rows_checked = job.rows_total = len(result.rows) + len(rejected)
    job.rows_imported, job.rows_skipped, job.rows_rejected = saved.imported, len(saved.skipped_lines), len(rejected)
    job.problems = json.dumps([[e.row, e.column, e.message] for e in result.errors])
    job.skipped_rows = json.dumps(saved.skipped_lines[: rules.SKIPPED_SHOWN])
    job.ignored_columns = json.dumps(result.ignored_columns)
    audit.append(
        "import.finished",
        actor=trainee,
        trainee_id=trainee.id,
        subject_type="import_job",
        subject_id=job.id,
        payload={"imported": job.rows_imported, "skipped": job.rows_skipped, "rejected": job.rows_rejected},
    )
    _forget_file(job)
    db.session.commit()


def _fail_stale_jobs(trainee_id: int) -> None:
    started_before = utcnow() - timedelta(minutes=rules.STALE_AFTER_MINUTES)
    for job_id in queries.stale_jobs(trainee_id, started_before):
        _fail(job_id, "The import stopped before it finished (its worker was stopped), and nothing from it was saved.", "stale")


def _fail(job_id: int, message: str, reason: str = "error") -> None:
    """The job ends without saving rows; the audit record keeps the reason's name, never text read from the file."""
    job = db.session.get(ImportJob, job_id)
    job.status, job.finished_at, job.failure = "failed", utcnow(), message
    audit.append(
        "import.failed",
        actor_label="task queue",
        trainee_id=job.trainee_id,
        subject_type="import_job",
        subject_id=job.id,
        payload={"reason": reason},
    )
    _forget_file(job)
    db.session.commit()


def _forget_file(job: ImportJob) -> None:
    """A finished job's upload is deleted: the rows now live in the logbook, and the file may hold more than they do."""
    if job.stored_name:
        (upload_dir() / job.stored_name).unlink(missing_ok=True)
        job.stored_name = None
