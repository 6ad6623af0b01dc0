"""Logbook pages: list, record, view, edit, delete drafts, new versions, certificate files, CSV and PDF."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError

from competencies import (
    DETAIL_FIELDS,
    EDUCATIONAL_SUPERVISOR_ONLY,
    EVIDENCE_DETAILS,
    EVIDENCE_TYPES,
    FILE_REQUIRED,
    evidence_noun,
    required_details,
)
from trainee_portal import curricula, policy
from trainee_portal.drafts import services as drafts
from trainee_portal.extensions import db
from trainee_portal.logbook import attachments, csv_io, portfolio, queries, vocab
from trainee_portal.logbook import services as service
from trainee_portal.logbook.blueprint import bp
from trainee_portal.logbook.forms import EvidenceEditForm, EvidenceForm, LogbookFilterForm, uk_today
from trainee_portal.models import EvidenceEntry
from trainee_portal.platform.fragments import Fragments, form_state
from trainee_portal.platform.pagination import page_of
from trainee_portal.platform.views import load_or_404, trainee_choices, trainee_or_picker
from trainee_portal.signoff import queries as signoff_queries
from trainee_portal.signoff import services as signoff_services
from trainee_portal.signoff.labels import signature_label
from trainee_portal.signoff.services import RACE_ERRORS, SignOffConflict, conflict_message, pending_request


@bp.app_context_processor
def evidence_helpers():
    return {"evidence_label": vocab.label, "signature_label": signature_label}


FILTER_FIELDS = Fragments()  # the filter form's fields by their state: most pages show them as every other does


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
    filter_fields = FILTER_FIELDS.get(form_state(form), lambda: render_template("logbook/_filter_fields.html", form=form))
    listed = queries.logbook(profile.user_id, filters)
    page = page_of(
        queries.count_of(listed), current_app.config["PAGE_SIZE"], lambda offset, limit: queries.entries_of(listed, offset, limit)
    )
    stage = curriculum.stage_for_level(filters.get("stage") or profile.current_stage, profile.sia_stage_key)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "logbook/index.html",
        profile=profile,
        curriculum=curriculum,
        form=form,
        filter_fields=filter_fields,
        page=page,
        args=args,
        summary=queries.type_summary(profile.user_id, stage, curricula.trainee_rules(profile)),
        summary_stage=stage,
        own=profile.user_id == current_user.id,
        choices=trainee_choices(current_user) if policy.can_pick_trainee(current_user) else [],
        trainee_arg=_trainee_arg(profile),
        page_title="Logbook",
    )


def _prepare(form: EvidenceForm, curriculum) -> None:
    form.competencies.choices = service.competency_choices(curriculum)


def _ask_for_the_file_again(form: EvidenceForm) -> None:
    """A rejected form keeps no file (nothing is stored until the whole form is valid), so say so when one was sent."""
    if getattr(form.attachment.data, "filename", "") and not form.attachment.errors:
        form.attachment.errors = ["Choose the file again: a file is stored only when the rest of the form is saved"]


def _draft_key(entry: EvidenceEntry | None) -> str:
    return f"evidence-edit-{entry.id}" if entry else "evidence-new"


ASSESSOR_CHOICE = "assessor"


def _kind(form: EvidenceForm) -> str | None:
    kind = form.evidence_type.data
    return kind if kind in EVIDENCE_TYPES else None


def _signoff_available() -> bool:
    return "signoff.request_form" in current_app.view_functions


def _recipients(form: EvidenceForm, trainee_id: int, kind: str | None, preselect: bool = False) -> list:
    """Who the form offers to send the evidence to: the supervisors assigned now (for an ESSR, the educational ones
    only), then an outside assessor, whose address the sign-off page asks for."""
    only = "educational" if kind in EDUCATIONAL_SUPERVISOR_ONLY else None
    assigned = signoff_queries.current_supervisors(trainee_id, uk_today(), only)
    supervisors = [user for user, _ in assigned]
    form.signoff_to.choices = [(str(user.id), f"{user.name} ({relation} supervisor)") for user, relation in assigned]
    if kind not in EDUCATIONAL_SUPERVISOR_ONLY:
        form.signoff_to.choices.append((ASSESSOR_CHOICE, "An outside assessor without an account (you give their email next)"))
    if preselect and len(supervisors) == 1:  # a page built afresh: the one supervisor is the usual choice
        form.signoff_to.data = str(supervisors[0].id)
    elif form.signoff_to.data not in {value for value, _ in form.signoff_to.choices}:
        form.signoff_to.data = None
    return supervisors


def _render_form(form, entry, profile, status=200, **extra):
    """The form's page. The competencies are shown grouped by stage, the trainee's current stage first (worked out
    only here: a save that succeeds shows no form)."""
    groups = service.competency_groups(curricula.curriculum(profile.curriculum_version), profile.current_stage)
    drafts.restore_into(form, _draft_key(entry), changed_at=entry.updated_at if entry else None)
    kind = _kind(form)
    form.show_kind(kind)
    return render_template(
        "logbook/form.html",
        form=form,
        entry=entry,
        groups=groups,
        profile=profile,
        kind=kind,
        shown={*(EVIDENCE_DETAILS.get(kind) or ()), *form.kept_details},
        kind_noun=evidence_noun(kind, 1) if kind else "",
        detail_kinds={name: [code for code in EVIDENCE_TYPES if name in EVIDENCE_DETAILS[code]] for name in DETAIL_FIELDS},
        required_kinds={name: [code for code in EVIDENCE_TYPES if name in required_details(code)] for name in DETAIL_FIELDS},
        quick_kinds=QUICK_KINDS,
        today=uk_today(),
        signoff_available=_signoff_available(),
        page_title="Edit evidence" if entry else "Record evidence",
        **extra,
    ), status


# The kinds a trainee logs most, offered first as links that open the form with the kind chosen.
QUICK_KINDS = ("logbook.clinic", "logbook.procedure", "logbook.ward_round", "wba.cbd", "reflection")


def _send(entry: EvidenceEntry, form: EvidenceForm, supervisors, saved: str):
    """After a save with "send for sign-off": straight to the supervisor chosen on the form, or to the sign-off page
    to choose one or name an outside assessor. Returns the response, or None to show the saved entry.
    `supervisors`: the list _recipients gave, or a function giving it (asked only when the entry is being sent)."""
    if request.form.get("then") != "signoff" or not _signoff_available():
        return None
    entry = service.attach(entry)  # a new entry the save left outside the session
    if not policy.can_request_signoff(current_user, entry):
        return None
    if callable(supervisors):
        supervisors = supervisors()
    supervisor = next((u for u in supervisors if str(u.id) == form.signoff_to.data), None)
    if supervisor is None or not policy.can_ask_supervisor(current_user, entry, supervisor):
        flash(saved, "success")
        return redirect(url_for("signoff.request_form", evidence_id=entry.id))
    try:
        signoff_services.request_signoff(current_user, entry, supervisor=supervisor)
        db.session.commit()
    except RACE_ERRORS as error:
        db.session.rollback()
        flash(f"{saved} {conflict_message(error)}", "error")
        return redirect(url_for("logbook.view", evidence_id=entry.id))
    flash(f"Saved “{entry.title}” and asked {supervisor.name} to sign it off.", "success")
    return redirect(url_for("logbook.view", evidence_id=entry.id))


def _after_save(entry: EvidenceEntry, message: str, form: EvidenceForm, supervisors, entry_id: int | None = None):
    sent = _send(entry, form, supervisors, message)
    if sent is not None:
        return sent
    flash(message, "success")
    return redirect(url_for("logbook.view", evidence_id=entry.id if entry_id is None else entry_id))


def _defaults_from_last(form: EvidenceForm, trainee_id: int, kind: str | None) -> dict:
    """Start the setting and hospital from the trainee's last entry of the same kind, said in a hint on the page."""
    last = service.last_of_kind(trainee_id, kind)
    for name in ("setting", "hospital"):
        if last.get(name):
            getattr(form, name).data = last[name]
    return last


@bp.route("/new", methods=["GET", "POST"])
def new():
    profile, curriculum = _own_profile()
    form = EvidenceForm()
    _prepare(form, curriculum)
    if request.method == "GET":
        wanted = request.args.get("kind") or request.args.get("type")
        if wanted in EVIDENCE_TYPES:
            form.evidence_type.data = wanted
        last = _defaults_from_last(form, profile.user_id, _kind(form))
        form.occurred_on.data = uk_today()
        codes = {c for c, _ in form.competencies.choices}
        form.competencies.data = [c for c in request.args.getlist("competency") if c in codes]
        _recipients(form, profile.user_id, _kind(form), preselect=True)
        return _render_form(form, None, profile, last=last)
    if request.form.get("show"):
        _recipients(form, profile.user_id, _kind(form))
        return _show_kind(form, None, profile)
    form.file_required = form.evidence_type.data in FILE_REQUIRED
    if form.validate_on_submit():
        with attachments.stored_until_failure(form.attachment.data) as stored:
            drafts.forget(current_user, _draft_key(None))
            # Outside the session (attach=False): the save holds the database for less time, and the commit has
            # nothing to expire; the redirect needs only its id and title, and sending it on puts it in (_send).
            entry = service.create(current_user, profile, curriculum, form.data, stored, attach=False)
            entry_id, message = entry.id, f"Saved “{entry.title}” as a draft."
            db.session.commit()
        # The supervisors are looked up only to send the entry straight on ("Save and send for sign-off").
        return _after_save(entry, message, form, lambda: _recipients(form, profile.user_id, _kind(form)), entry_id)
    _recipients(form, profile.user_id, _kind(form))
    _ask_for_the_file_again(form)
    return _render_form(form, None, profile, 400)


def _show_kind(form, entry, profile, **extra):
    """The page without scripts: "Show the details for this type" sends the form back with the kind's details and
    everything typed, saving nothing. The setting and hospital start from the last entry of the kind if still empty."""
    last = {}
    if not (form.setting.data or form.hospital.data):
        last = _defaults_from_last(form, profile.user_id, _kind(form))
    return _render_form(form, entry, profile, last=last, **extra)


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


def _render_conflict(form, entry, profile, message: str):
    """409: what is saved now beside what was typed (kept in the form below), so nothing typed is lost."""
    db.session.rollback()
    entry = db.session.get(EvidenceEntry, entry.id)
    editable = policy.can_edit_evidence(current_user, entry)
    form.row_version.data = str(entry.row_version)  # saving again now replaces the version shown, knowingly
    return _render_form(
        form,
        entry,
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
    form.kept_details = service.kept_details(entry, _kind(form))
    _prepare(form, curriculum)
    supervisors = _recipients(form, profile.user_id, _kind(form), preselect=request.method == "GET")
    if request.method == "GET":
        if not policy.can_edit_evidence(current_user, entry):
            policy.authorize(policy.awaiting_confirmation(entry))  # held still for a confirmation: say so instead
            flash(service.why_not_editable(entry), "warning")
            return redirect(url_for("logbook.view", evidence_id=entry.id))
        form.competencies.data = list(entry.competency_codes)
        form.row_version.data = str(entry.row_version)
        return _render_form(form, entry, profile, pending=pending_request(entry))
    form.file_required = form.evidence_type.data in FILE_REQUIRED and not entry.attachment_path
    if not policy.can_edit_evidence(current_user, entry):  # decided or replaced since the form was built
        _ask_for_the_file_again(form)
        return _render_conflict(form, entry, profile, service.why_not_editable(entry) + " What you typed is below.")
    if request.form.get("show"):
        return _show_kind(form, entry, profile, pending=pending_request(entry))
    if form.validate_on_submit():
        try:
            with attachments.stored_until_failure(form.attachment.data) as stored:
                unused = service.update(current_user, entry, profile, curriculum, form.data, stored, int(form.row_version.data))
                drafts.forget(current_user, _draft_key(entry))
                db.session.commit()
        except (service.StaleEvidence, SignOffConflict, OperationalError) as error:
            _ask_for_the_file_again(form)
            message = (
                str(error)
                if not isinstance(error, OperationalError)
                else ("Someone else changed this evidence at the same moment, so your changes were not saved.")
            )
            return _render_conflict(form, entry, profile, message)
        attachments.remove(unused)
        return _after_save(entry, f"Saved your changes to “{entry.title}”.", form, supervisors)
    _ask_for_the_file_again(form)
    return _render_form(form, entry, profile, 400, pending=pending_request(entry))


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
