"""/imports: upload a logbook CSV (checked as a whole at once, then queued), follow its progress, read its result and
download the rows it rejected. /logbook/import leads here."""

from __future__ import annotations

import csv
import io

from flask import Response, jsonify, render_template, url_for
from flask import redirect as redirect_to
from flask_login import current_user

from competencies import imports as rules
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.imports import queries, services
from trainee_portal.imports.blueprint import bp
from trainee_portal.imports.forms import UploadForm
from trainee_portal.models import ImportJob
from trainee_portal.platform.views import form_page, load_or_404

PAGE_TITLE = "Import a logbook"


@bp.route("/new", methods=["GET", "POST"])
@policy.requires(policy.can_import_logbook)
def new():
    form = UploadForm()
    jobs = queries.recent_jobs(current_user.id)
    if not form.validate_on_submit():
        return form_page("imports/new.html", form, jobs=jobs, refused=None, uploaded_at=queries.when, page_title=PAGE_TITLE)
    upload = form.file.data
    try:
        job = services.start(current_user, upload.read(), upload.filename or "upload.csv")
    except services.ImportRefused as refused:
        db.session.rollback()
        return render_template(
            "imports/new.html", form=form, jobs=jobs, refused=refused, uploaded_at=queries.when, page_title=PAGE_TITLE
        ), 400
    db.session.commit()
    services.queue(job)
    return redirect_to(url_for("imports.show", job_id=job.id))


def _job(job_id: int) -> ImportJob:
    return load_or_404(ImportJob, job_id, policy.can_view_import)


@bp.route("/<int:job_id>")
def show(job_id: int):
    job = _job(job_id)
    problems = queries.problems(job)
    return render_template(
        "imports/show.html",
        job=job,
        status=queries.status_of(job),
        when=queries.when(job),
        problems=problems[: rules.PROBLEMS_SHOWN],
        problem_count=len(problems),
        skipped=queries.skipped_rows(job),
        ignored=queries.ignored_columns(job),
        page_title=f"Import of {job.filename}",
    )


def _as_text(value: str) -> str:
    """Spreadsheet programs run cells starting with = + - @ as formulas; a leading apostrophe keeps them text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@bp.route("/<int:job_id>/status.json")
def status(job_id: int):
    response = jsonify(queries.status_of(_job(job_id)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:job_id>/problems.csv")
def problems(job_id: int):
    job = _job(job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("row", "column", "problem"))
    writer.writerows([row, column, _as_text(message)] for row, column, message in queries.problems(job))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="import-{job.id}-problems.csv"',
            "Cache-Control": "private, no-store",
        },
    )
