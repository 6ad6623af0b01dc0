"""/imports: upload a logbook file (checked as a whole at once, then queued), follow its progress, read its result and
download the rows it rejected. An LLP export or another spreadsheet goes through /imports/map/<upload> first, where
the trainee says what each column holds; every format may be checked only (a dry run saving nothing).
/logbook/import leads here."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, jsonify, render_template, request, url_for
from flask import redirect as redirect_to
from flask_login import current_user

from competencies import import_formats as formats
from competencies import imports as rules
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.imports import pending, queries, samples, services, sheets
from trainee_portal.imports.blueprint import bp
from trainee_portal.imports.forms import MappingForm, UploadForm
from trainee_portal.models import ImportJob
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.views import form_page, load_or_404

PAGE_TITLE = "Import a logbook"


@bp.route("/new", methods=["GET", "POST"])
@policy.requires(policy.can_import_logbook)
def new():
    form = UploadForm()
    jobs = queries.recent_jobs(current_user.id)
    page = {"jobs": jobs, "uploaded_at": queries.when, "page_title": PAGE_TITLE, "formats": formats}
    if not form.validate_on_submit():
        return form_page("imports/new.html", form, refused=None, report=None, **page)
    upload = form.file.data
    data, filename = upload.read(), upload.filename or "upload.csv"
    if form.source_format.data in formats.MAPPED_FORMATS:
        token = pending.keep(current_user.id, data, filename, form.source_format.data)
        return redirect_to(url_for("imports.mapping", token=token))
    if form.check_only.data:
        report = services.check(current_user, data, filename)
        return render_template("imports/new.html", form=form, refused=None, report=report, **page)
    try:
        job = services.start(current_user, data, filename)
    except services.ImportRefused as refused:
        db.session.rollback()
        return render_template("imports/new.html", form=form, refused=refused, report=None, **page), 400
    db.session.commit()
    services.queue(job)
    return redirect_to(url_for("imports.show", job_id=job.id))


@bp.route("/map/<token>", methods=["GET", "POST"])
@policy.requires(policy.can_import_logbook)
def mapping(token: str):
    """The mapping step: each column of the file with sample values and the field it fills; "Check" shows what the
    import would do, "Import" queues it."""
    upload = pending.load(current_user.id, token)
    if upload is None:
        abort(404)
    table = sheets.read_table(upload.data, upload.filename)
    form = MappingForm()
    page = {"upload": upload, "sheet": table, "form": form, "fields": formats.FIELDS, "labels": formats.LABELS}
    page |= {"format_name": formats.FORMATS[upload.source_format], "page_title": "Choose what each column holds"}
    if table.problems:
        refused = services.ImportRefused([services._whole_file(p) for p in table.problems])
        return render_template("imports/map.html", chosen={}, refused=refused, report=None, **page), 400
    if request.method == "GET":
        chosen = formats.guess_mapping(table.headers, upload.source_format)
        return render_template("imports/map.html", chosen=chosen, refused=None, report=None, **page)
    if not form.validate_on_submit():
        abort(400)
    chosen, problems = _posted_mapping(table.headers)
    if problems:
        refused = services.ImportRefused(problems)
        return render_template("imports/map.html", chosen=chosen, refused=refused, report=None, **page), 400
    if request.form.get("action") != "import":
        report = services.check(current_user, upload.data, upload.filename, upload.source_format, chosen)
        return render_template("imports/map.html", chosen=chosen, refused=None, report=report, **page)
    try:
        job = services.start(current_user, upload.data, upload.filename, upload.source_format, chosen)
    except services.ImportRefused as refused:
        db.session.rollback()
        return render_template("imports/map.html", chosen=chosen, refused=refused, report=None, **page), 400
    db.session.commit()
    pending.forget(current_user.id, token)
    services.queue(job)
    return redirect_to(url_for("imports.show", job_id=job.id))


@bp.route("/samples/<name>")
@policy.requires(policy.can_import_logbook)
def sample(name: str):
    """A sample file to try the import with: entries made up for it, linked to the trainee's own curriculum."""
    if name not in samples.SAMPLES:
        abort(404)
    curriculum = curricula.curriculum(current_user.trainee_profile.curriculum_version)
    return Response(
        samples.sample(name, curriculum, uk_today()),
        mimetype=samples.SAMPLES[name],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


def _posted_mapping(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """The posted selects as {header: field}; a select naming a column the file does not have is a problem."""
    chosen: dict[str, str] = {}
    problems = []
    for key, value in request.form.items():
        if not key.startswith("column-"):
            continue
        number = key.removeprefix("column-")
        if not number.isdigit() or not 0 <= int(number) < len(headers):
            problems.append(f"The file has no column number {number[:10]}: check the page again")
            continue
        chosen[headers[int(number)]] = value
    for header in headers:
        chosen.setdefault(header, formats.SKIP)
    return chosen, problems + formats.mapping_problems(headers, chosen)


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
    """Spreadsheet programs run cells starting with = + - @ (or a tab or carriage return before one) as formulas; a
    leading apostrophe keeps them text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


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
    # The column is named as the file's header names it: the file's own words, kept as text like the message.
    writer.writerows([row, _as_text(str(column)), _as_text(message)] for row, column, message in queries.problems(job))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="import-{job.id}-problems.csv"',
            "Cache-Control": "private, no-store",
        },
    )
