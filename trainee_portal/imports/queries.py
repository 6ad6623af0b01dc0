"""Reads of import jobs: a trainee's recent imports, an earlier import of the same file, one still running."""

from __future__ import annotations

import json

from sqlalchemy import select

from competencies import imports as rules
from trainee_portal.extensions import db
from trainee_portal.models import ImportJob
from trainee_portal.platform.clock import uk_time

RECENT = 10


def recent_jobs(trainee_id: int) -> list[ImportJob]:
    return db.session.scalars(
        select(ImportJob).where(ImportJob.trainee_id == trainee_id).order_by(ImportJob.id.desc()).limit(RECENT)
    ).all()


def same_file(trainee_id: int, file_sha256: str) -> ImportJob | None:
    """The earlier import of these exact bytes that did not fail (a failed one may be tried again)."""
    return db.session.scalar(
        select(ImportJob)
        .where(ImportJob.trainee_id == trainee_id, ImportJob.file_sha256 == file_sha256, ImportJob.status != "failed")
        .order_by(ImportJob.id)
        .limit(1)
    )


def unfinished_job(trainee_id: int) -> ImportJob | None:
    return db.session.scalar(
        select(ImportJob)
        .where(ImportJob.trainee_id == trainee_id, ImportJob.status.not_in(rules.FINISHED))
        .order_by(ImportJob.id)
        .limit(1)
    )


def stale_jobs(trainee_id: int, started_before) -> list[int]:
    return db.session.scalars(
        select(ImportJob.id).where(
            ImportJob.trainee_id == trainee_id, ImportJob.status == "running", ImportJob.started_at < started_before
        )
    ).all()


def when(job: ImportJob) -> str:
    """When the job was uploaded, in UK time, as a sentence says it."""
    local = uk_time(job.created_at)  # stored as naive UTC
    return f"{local:%-d %B %Y} at {local:%H:%M}"


def status_of(job: ImportJob) -> dict:
    """What the progress page and its JSON say: counts, how far the check has gone, whether it has finished."""
    total = max(job.rows_total, 1)
    return {
        "status": job.status,
        "finished": job.status in rules.FINISHED,
        "rows_total": job.rows_total,
        "rows_checked": job.rows_checked,
        "percent": min(100, round(job.rows_checked * 100 / total)),
        "rows_imported": job.rows_imported,
        "rows_skipped": job.rows_skipped,
        "rows_rejected": job.rows_rejected,
    }


def problems(job: ImportJob) -> list[list]:
    return json.loads(job.problems or "[]")


def skipped_rows(job: ImportJob) -> list[int]:
    return json.loads(job.skipped_rows or "[]")


def ignored_columns(job: ImportJob) -> list[str]:
    return json.loads(job.ignored_columns or "[]")


def jobs_page(trainee_id: int, before_id: int | None, limit: int) -> tuple[list[ImportJob], int | None]:
    """The trainee's imports newest first, those older than before_id when given: a page of `limit` and the id to
    continue before (None on the last page)."""
    query = select(ImportJob).where(ImportJob.trainee_id == trainee_id)
    if before_id is not None:
        query = query.where(ImportJob.id < before_id)
    jobs = db.session.scalars(query.order_by(ImportJob.id.desc()).limit(limit + 1)).all()
    return jobs[:limit], jobs[limit - 1].id if len(jobs) > limit else None
