"""Logbook pages: list, record, view, edit, delete drafts, new versions, certificate files, CSV and PDF."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError

from competencies import EVIDENCE_TYPES, lifecycle, needs_supervision
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.logbook import attachments, csv_io, portfolio, queries, vocab
from trainee_portal.logbook import services as service
from trainee_portal.logbook.blueprint import bp
from trainee_portal.logbook.forms import EvidenceEditForm, EvidenceForm, LogbookFilterForm, uk_today
from trainee_portal.models import EvidenceEntry
from trainee_portal.platform.pagination import paginate
from trainee_portal.platform.views import load_or_404, trainee_choices, trainee_or_picker
from trainee_portal.signoff.labels import signature_label
from trainee_portal.signoff.services import SignOffConflict, pending_request


@bp.app_context_processor
def evidence_helpers():
    return {"evidence_label": vocab.label, "signature_label": signature_label}


def _own_profile():
    policy.authorize(policy.can_record_evidence(current_user))
    profile = current_user.trainee_profile
    return profile, curricula.curriculum(profile.curriculum_version)


def _viewed_or_picker(endpoint: str):
    """The trainee whose logbook to show, or a page to pick one for supervisors, directors and admins."""
    return trainee_or_picker("logbook/pick.html", endpoint=endpoint, page_title="Choose a trainee")


def _trainee_arg(profile):
    return None if profile.user_id == current_user.id else profile.user_id


@bp.route("/")
def index():
    profile, picker = _viewed_or_picker("logbook.index")
    if picker:
        return picker
    curriculum = curricula.curriculum(profile.curriculum_version)
    form = LogbookFilterForm(request.args)
    form.stage.choices = [("", "All stages")] + [(s.level, s.name) for s in curriculum.followed_stages(profile.sia_stage_key)]
    form.competency.choices = [("", "All competencies")] + service.competency_choices(curriculum)
    filters = form.data if form.validate() else {}
    page = paginate(queries.logbook(profile.user_id, filters), current_app.config["PAGE_SIZE"])
    stage = curriculum.stage_for_level(filters.get("stage") or profile.current_stage, profile.sia_stage_key)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "logbook/index.html",
        profile=profile,
        curriculum=curriculum,
        form=form,
        page=page,
        args=args,
        summary=queries.type_summary(profile.user_id, stage, curricula.trainee_rules(profile)),
        summary_stage=stage,
        own=profile.user_id == current_user.id,
        choices=trainee_choices(current_user) if policy.can_pick_trainee(current_user) else [],
        trainee_arg=_trainee_arg(profile),
        page_title="Logbook",
    )


def _prepare(form: EvidenceForm, curriculum, profile) -> list[dict]:
    form.competencies.choices = service.competency_choices(curriculum)
    return service.competency_groups(curriculum, profile.current_stage)


def _ask_for_the_file_again(form: EvidenceForm) -> None:
    """A rejected form keeps no file (nothing is stored until the whole form is valid), so say so when one was sent."""
    if getattr(form.attachment.data, "filename", "") and not form.attachment.errors:
        form.attachment.errors = ["Choose the file again: a file is stored only when the rest of the form is saved"]


def _render_form(form, entry, groups, profile, status=200, **extra):
    return render_template(
        "logbook/form.html",
        form=form,
        entry=entry,
        groups=groups,
        profile=profile,
        procedure_types=sorted(vocab.PROCEDURE_TYPES),
        supervised_types=[code for code in EVIDENCE_TYPES if needs_supervision(code)],
        today=uk_today(),
        signoff_available="signoff.request_form" in current_app.view_functions,
        page_title="Edit evidence" if entry else "Record evidence",
        **extra,
    ), status


def _after_save(entry: EvidenceEntry, message: str):
    flash(message, "success")
    if (
        request.form.get("then") == "signoff"
        and "signoff.request_form" in current_app.view_functions
        and policy.can_request_signoff(current_user, entry)
    ):
        return redirect(url_for("signoff.request_form", evidence_id=entry.id))
    return redirect(url_for("logbook.view", evidence_id=entry.id))


@bp.route("/new", methods=["GET", "POST"])
def new():
    profile, curriculum = _own_profile()
    form = EvidenceForm()
    groups = _prepare(form, curriculum, profile)
    if request.method == "GET":
        for name, value in service.last_used(profile.user_id).items():
            getattr(form, name).data = value
        form.occurred_on.data = uk_today()
        if request.args.get("type") in EVIDENCE_TYPES:
            form.evidence_type.data = request.args["type"]
        codes = {c for c, _ in form.competencies.choices}
        form.competencies.data = [c for c in request.args.getlist("competency") if c in codes]
        return _render_form(form, None, groups, profile)
    form.file_required = form.evidence_type.data == "certificate"
    if form.validate_on_submit():
        with attachments.stored_until_failure(form.attachment.data) as stored:
            entry = service.create(current_user, profile, curriculum, form.data, stored)
            db.session.commit()
        return _after_save(entry, f"Saved “{entry.title}” as a draft.")
    _ask_for_the_file_again(form)
    return _render_form(form, None, groups, profile, 400)


@bp.route("/<int:evidence_id>")
def view(evidence_id: int):
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence)
    return render_template(
        "logbook/view.html",
        entry=entry,
        history=queries.signoff_history(entry),
        versions=queries.versions(entry),
        awaiting=queries.unconfirmed_signature(entry),
        curriculum=curricula.curriculum(entry.trainee.trainee_profile.curriculum_version),
        signoff_available="signoff.request_form" in current_app.view_functions,
        page_title=entry.title,
    )


def _why_not_editable(entry: EvidenceEntry) -> str:
    if not entry.is_current:
        return "A newer version replaced this evidence, so this version cannot change. Edit the current version instead."
    if policy.awaiting_confirmation(entry):
        return (
            "An outside assessor signed this evidence and your educational supervisor has not yet confirmed the "
            "signature, so it cannot change until they confirm or decline it."
        )
    if lifecycle.may_revise(entry.status):
        return "This evidence was signed off, so it cannot change. Create a new version to change it."
    return "This evidence cannot be changed now."


def _render_conflict(form, entry, groups, profile, message: str):
    """409: what is saved now beside what was typed (kept in the form below), so nothing typed is lost."""
    db.session.rollback()
    entry = db.session.get(EvidenceEntry, entry.id)
    editable = policy.can_edit_evidence(current_user, entry)
    form.row_version.data = str(entry.row_version)  # saving again now replaces the version shown, knowingly
    return _render_form(
        form,
        entry,
        groups,
        profile,
        409,
        conflict=message,
        editable=editable,
        curriculum=curricula.curriculum(profile.curriculum_version),
    )


@bp.route("/<int:evidence_id>/edit", methods=["GET", "POST"])
def edit(evidence_id: int):
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence, policy.owns_evidence)
    profile = entry.trainee.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    form = EvidenceEditForm(obj=entry) if request.method == "GET" else EvidenceEditForm()
    groups = _prepare(form, curriculum, profile)
    if request.method == "GET":
        if not policy.can_edit_evidence(current_user, entry):
            policy.authorize(policy.awaiting_confirmation(entry))  # held still for a confirmation: say so instead
            flash(_why_not_editable(entry), "warning")
            return redirect(url_for("logbook.view", evidence_id=entry.id))
        form.competencies.data = list(entry.competency_codes)
        form.row_version.data = str(entry.row_version)
        return _render_form(form, entry, groups, profile, pending=pending_request(entry))
    form.file_required = form.evidence_type.data == "certificate" and not entry.attachment_path
    if not policy.can_edit_evidence(current_user, entry):  # decided or replaced since the form was built
        _ask_for_the_file_again(form)
        return _render_conflict(form, entry, groups, profile, _why_not_editable(entry) + " What you typed is below.")
    if form.validate_on_submit():
        try:
            with attachments.stored_until_failure(form.attachment.data) as stored:
                unused = service.update(current_user, entry, profile, curriculum, form.data, stored, int(form.row_version.data))
                db.session.commit()
        except (service.StaleEvidence, SignOffConflict, OperationalError) as error:
            _ask_for_the_file_again(form)
            message = (
                str(error)
                if not isinstance(error, OperationalError)
                else ("Someone else changed this evidence at the same moment, so your changes were not saved.")
            )
            return _render_conflict(form, entry, groups, profile, message)
        attachments.remove(unused)
        return _after_save(entry, f"Saved your changes to “{entry.title}”.")
    _ask_for_the_file_again(form)
    return _render_form(form, entry, groups, profile, 400, pending=pending_request(entry))


@bp.route("/<int:evidence_id>/delete", methods=["GET", "POST"])
def delete(evidence_id: int):
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence, policy.can_delete_evidence)
    if request.method == "GET":
        return render_template("logbook/delete.html", entry=entry, page_title="Delete this draft")
    try:
        unused = service.delete_draft(current_user, entry)
    except service.EvidenceError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("logbook.view", evidence_id=evidence_id))
    db.session.commit()
    attachments.remove(unused)
    flash(f"Deleted the draft “{entry.title}”.", "success")
    return redirect(url_for("logbook.index"))


@bp.route("/<int:evidence_id>/new-version", methods=["POST"])
def new_version(evidence_id: int):
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence)
    newer = service.newer_version(entry) if policy.owns_evidence(current_user, entry) else None
    if newer is None:
        policy.authorize(policy.can_revise_signed_evidence(current_user, entry))
        try:
            new = service.new_version(current_user, entry)
            db.session.commit()
        except (service.EvidenceError, IntegrityError):  # another request made the new version first
            db.session.rollback()
            newer = service.newer_version(entry)
    if newer is not None:
        flash(
            f"A newer version of this evidence (version {newer.version}) already exists, so no other version was "
            "made. You are now looking at it.",
            "warning",
        )
        return redirect(url_for("logbook.view", evidence_id=newer.id))
    flash(
        f"Version {new.version} is a new draft. The signature on version {entry.version} is void; "
        "ask for sign-off again once you have made your changes.",
        "success",
    )
    return redirect(url_for("logbook.edit", evidence_id=new.id))


@bp.route("/<int:evidence_id>/file")
def attachment(evidence_id: int):
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence)
    path = attachments.file_path(entry.attachment_path) if entry.attachment_path else None
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=entry.attachment_mime,
        download_name=entry.attachment_name,
        max_age=0,
        as_attachment=entry.attachment_mime not in ("application/pdf", "image/png", "image/jpeg"),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/export.csv")
def export():
    profile, picker = _viewed_or_picker("logbook.index")
    if picker:
        return picker
    name = f"logbook-{profile.gmc_number}-{uk_today():%Y%m%d}.csv"
    return Response(
        stream_with_context(csv_io.export_lines(profile.user_id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/portfolio.pdf")
def portfolio_pdf():
    profile, picker = _viewed_or_picker("logbook.index")
    if picker:
        return picker
    curriculum = curricula.curriculum(profile.curriculum_version)
    export, data = portfolio.issue(profile, curriculum, current_user)
    db.session.commit()  # the document's row and its audit records, together
    name = f"portfolio-{profile.gmc_number}-{uk_today():%Y%m%d}-{export.code}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    """Imports moved to /imports/new: a bookmark still leads there, and a form posted here is posted there (307)."""
    policy.authorize(policy.can_record_evidence(current_user))
    return redirect(url_for("imports.new"), code=307 if request.method == "POST" else 302)
