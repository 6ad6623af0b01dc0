"""Logbook imports over the API, the same imports as the import page and the import-logbook command (the same
checks, refusals and figures, through imports/services.py):

- POST /api/v1/imports: a multipart/form-data upload (file, format, optional mapping, dry_run). A dry run answers
  200 with what the import would do and saves nothing; otherwise the import is queued and answered 202 with its job
  and its Location. The file imported before, or an import still running, is 409 naming that import; a refused
  file or mapping is 422 naming what is wrong; a file over the size limit is 413.
- GET /api/v1/imports/{job_id}: one import's progress and results, its trainee's alone as on its page.
- GET /api/v1/imports: the caller's imports, newest first, a page at a time.

Each asks the token for evidence:write and policy.can_import_logbook, as the import page does, before reading the
body: a caller who may not import learns nothing from how their input would have been checked."""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import abort, jsonify, url_for
from flask_login import current_user
from webargs.flaskparser import FlaskParser
from webargs.flaskparser import abort as refuse_input
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from competencies import imports as rules
from trainee_portal import policy
from trainee_portal.api import keyset
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import Blueprint
from trainee_portal.api.schemas.imports import (
    CheckReportSchema,
    ImportConflictSchema,
    JobListQuerySchema,
    JobListSchema,
    JobSchema,
    UploadSchema,
)
from trainee_portal.extensions import db
from trainee_portal.imports import queries, services
from trainee_portal.models import ImportJob
from trainee_portal.platform.errors import PROBLEM_TYPE, problem
from trainee_portal.platform.views import load_or_404


class MultipartParser(FlaskParser):
    """The "form" location as a multipart/form-data body holds it: its text fields and its files together, so that
    one schema validates and documents the whole form."""

    def load_form(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "form": "multipart/form-data"}


blp = MultipartBlueprint(
    "api_imports",
    __name__,
    description="Logbook imports: this logbook's own CSV, the RCoA LLP logbook export, or any spreadsheet through a "
    "mapping of its columns; a dry run says what an import would do and saves nothing.",
)

LOCATION = {"Location": {"description": "The import's job in the API", "schema": {"type": "string"}, "required": True}}
NEXT = {"Link": {"description": 'The next page, as <…>; rel="next"; absent on the last page', "schema": {"type": "string"}}}


def links(job: ImportJob) -> dict:
    return {
        "self": url_for("api_imports.show", job_id=job.id),
        "page": url_for("imports.show", job_id=job.id),
        "problems_csv": url_for("imports.problems", job_id=job.id),
    }


def summary(job: ImportJob) -> dict:
    return {
        **queries.status_of(job),
        "id": job.id,
        "format": job.source_format,
        "filename": job.filename,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "links": links(job),
    }


def job_body(job: ImportJob) -> dict:
    """What GET /api/v1/imports/{job_id} answers: the job's figures as its page shows them, its first problems."""
    problems = queries.problems(job)
    return {
        **summary(job),
        "started_at": job.started_at,
        "mapping": json.loads(job.mapping) if job.mapping else None,
        "skipped_rows": queries.skipped_rows(job),
        "ignored_columns": queries.ignored_columns(job),
        "problems": [{"row": r, "column": c, "message": m} for r, c, m in problems[: rules.PROBLEMS_SHOWN]],
        "problem_count": len(problems),
        "failure": job.failure,
    }


def report_body(report: services.CheckReport) -> dict:
    return {
        "format": report.source_format,
        "refused": report.refused,
        "mapping": report.mapping,
        "rows_total": report.rows_total,
        "would_import": report.would_import,
        "already_in_logbook": len(report.skipped_lines),
        "already_in_logbook_rows": report.skipped_lines,
        "rejected": len(report.rejected_lines),
        "problems": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors],
        "ignored_columns": report.ignored_columns,
    }


def refused_upload(refused: services.ImportRefused, size: int):
    """The file or its mapping refused as a whole: 413 over the size limit, else 422 naming the mapping's columns (or
    the mapping as a whole) or the file."""
    if size > rules.MAX_FILE_BYTES:
        abort(413, description=refused.messages[0])
    if refused.mapping_issues:
        named: dict = {}
        for column, message in refused.mapping_issues:
            where = named.setdefault("mapping", {}) if column is None else named.setdefault("mapping", {}).setdefault(column, {})
            where.setdefault("_schema", []).append(message)
        refuse_input(422, messages={"form": named}, message="The mapping cannot be used: see errors.")
    refuse_input(422, messages={"form": {"file": refused.messages}}, message=" ".join(refused.messages))


def conflict(refused: services.ImportRefused):
    earlier = refused.earlier
    return problem(
        409,
        refused.messages[0],
        earlier_import={"id": earlier.id, "status": earlier.status, "href": url_for("api_imports.show", job_id=earlier.id)},
    )


@blp.route("/imports", methods=["POST"])
@requires_scope("evidence:write", policy.can_import_logbook)
@blp.arguments(UploadSchema, location="form")
@blp.response(202, JobSchema, description="The import is queued: its job, at Location", headers=LOCATION)
@blp.alt_response(200, schema=CheckReportSchema, description="The dry run: what the import would do; nothing saved")
@blp.alt_response(
    409,
    schema=ImportConflictSchema,
    content_type=PROBLEM_TYPE,
    description="This file was imported before, or an import is running",
)
@blp.alt_response(413, response=HTTPStatus.REQUEST_ENTITY_TOO_LARGE.name)
def create(upload):
    """Import a logbook file, or check it only (dry_run)."""
    data, filename = upload["file"].read(), upload["file"].filename
    source_format, mapping = upload["source_format"], upload.get("mapping")
    if upload["dry_run"]:
        try:
            services.prepare(data, filename, source_format, mapping)
        except services.ImportRefused as refused:
            refused_upload(refused, len(data))
        report = services.check(current_user, data, filename, source_format, mapping)
        return jsonify(CheckReportSchema().dump(report_body(report)))
    try:
        job = services.start(current_user, data, filename, source_format, mapping)
    except services.ImportRefused as refused:
        db.session.rollback()
        if refused.earlier is not None:
            return conflict(refused)
        refused_upload(refused, len(data))
    db.session.commit()
    job_id = job.id
    services.queue(job)
    db.session.expire_all()  # the queue may have run it already (or failed it)
    job = db.session.get(ImportJob, job_id)
    return job_body(job), {"Location": url_for("api_imports.show", job_id=job_id)}


@blp.route("/imports/<int:job_id>")
@requires_scope("evidence:write", policy.can_import_logbook)
@blp.etag
@blp.response(200, JobSchema)
@blp.alt_response(404, response=HTTPStatus.NOT_FOUND.name)
def show(job_id: int):
    """One of the caller's imports: its progress, then its results."""
    return job_body(load_or_404(ImportJob, job_id, policy.can_view_import))


@blp.route("/imports")
@requires_scope("evidence:write", policy.can_import_logbook)
@blp.etag
@blp.arguments(JobListQuerySchema, location="query")
@blp.response(200, JobListSchema, headers=NEXT)
def index(query):
    """The caller's imports, newest first."""
    place = keyset.decode(query["cursor"], keyset.ID)
    jobs, before = queries.jobs_page(current_user.id, None if place is None else place[1], query["limit"])
    if before is None:
        return {"items": [summary(job) for job in jobs], "next_cursor": None}
    cursor = keyset.encode(None, before, keyset.ID)
    following = url_for("api_imports.index", limit=query["limit"], cursor=cursor)
    return {"items": [summary(job) for job in jobs], "next_cursor": cursor}, {"Link": f'<{following}>; rel="next"'}
