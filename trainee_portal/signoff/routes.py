"""Signed-in sign-off pages: ask, queue, request detail with decision, cancel, stage sign-off, audit trail."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from competencies import EVIDENCE_TYPES, SUPERVISION_CHOICES, flags, halo, supervision_label
from trainee_portal import curricula, policy
from trainee_portal.audit import record_hash
from trainee_portal.drafts import services as drafts
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, SignOff, SignOffRequest, TraineeProgress, User
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.platform.pagination import paginate
from trainee_portal.platform.views import form_page, load_or_404
from trainee_portal.signoff import labels, links, pins, queries, services
from trainee_portal.signoff.blueprint import bp
from trainee_portal.signoff.forms import (
    ASSESSOR_CHOICE,
    CancelForm,
    ConfirmSignatureForm,
    DecisionForm,
    ReissueLinkForm,
    RequestForm,
    StageSignOffForm,
)
from trainee_portal.signoff.services import RACE_ERRORS, conflict_message


def evidence_url(entry: EvidenceEntry) -> str:
    """The logbook page of one entry."""
    return url_for("logbook.view", evidence_id=entry.id)


@bp.app_context_processor
def signoff_helpers():
    return {
        "evidence_url": evidence_url,
        "now": utcnow,
        "supervision_levels": SUPERVISION_CHOICES,
        "supervision_label": supervision_label,
        "signature_label": labels.signature_label,
        "evidence_types": {code: t.label for code, t in EVIDENCE_TYPES.items()},
    }


@bp.route("/request/<int:evidence_id>", methods=["GET", "POST"])
def request_form(evidence_id: int):
    entry = load_or_404(EvidenceEntry, evidence_id)  # asked below: an owner whose evidence already waits sees that request
    allowed = policy.can_request_signoff(current_user, entry)
    if not allowed:
        pending = db.session.scalar(
            select(SignOffRequest.id).where(SignOffRequest.evidence_id == entry.id, SignOffRequest.status == "pending")
        )
        if pending and policy.owns_evidence(current_user, entry):
            flash("This evidence is already waiting for sign-off.", "info")
            return redirect(url_for("signoff.detail", request_id=pending))
    policy.authorize(allowed)
    supervisors = queries.current_supervisors(entry.trainee_id, uk_today())
    form = RequestForm()
    form.recipient.choices = [(str(u.id), f"{u.name} ({kind} supervisor)") for u, kind in supervisors] + [
        (ASSESSOR_CHOICE, "An outside assessor without an account (by email)")
    ]
    if form.validate_on_submit():
        supervisor = next((u for u, _ in supervisors if str(u.id) == form.recipient.data), None)
        email = (form.assessor_email.data or "").strip().lower()
        if supervisor is not None:
            policy.authorize(policy.can_ask_supervisor(current_user, entry, supervisor))
        elif not policy.can_ask_assessor(current_user, entry, email):
            form.assessor_email.errors.append("You cannot sign off your own evidence: enter someone else's email address.")
        if not form.assessor_email.errors:
            try:
                signoff_request = services.request_signoff(
                    current_user, entry, supervisor=supervisor, assessor_email=None if supervisor else email
                )
                db.session.commit()
            except RACE_ERRORS as error:
                flash(conflict_message(error), "error")
                return redirect(url_for("signoff.request_form", evidence_id=evidence_id))
            flash(f"Sign-off requested from {supervisor.name if supervisor else email}.", "success")
            return redirect(url_for("signoff.detail", request_id=signoff_request.id))
    return form_page(
        "signoff/request.html",
        form,
        entry=entry,
        supervisors=supervisors,
        competencies=queries.claimed_competencies(entry),
        page_title="Ask for sign-off",
    )


@bp.route("/")
@policy.requires(policy.can_use_signoff_queue)
def queue():
    today = uk_today()
    return render_template(
        "signoff/queue.html",
        items=queries.queue_rows(current_user, today),
        to_confirm=queries.awaiting_confirmation_rows(current_user, today),
        ready=queries.stages_ready_for(current_user, today),
        overdue_days=flags.SIGNOFF_WAIT_DAYS.value,
        page_title="Sign-off queue",
    )


@bp.route("/mine")
@policy.requires(policy.is_trainee)
def mine():
    return render_template(
        "signoff/mine.html",
        requests=queries.requests_for_trainee(current_user.id),
        stage_signoffs=queries.stage_signoffs_for(current_user.id),
        page_title="Your sign-off requests",
    )


def _render_detail(
    signoff_request: SignOffRequest,
    form: DecisionForm | None = None,
    status: int = 200,
    confirm_form: ConfirmSignatureForm | None = None,
):
    entry = signoff_request.evidence
    can_decide = policy.can_decide_signoff(current_user, signoff_request)
    if can_decide and form is None:
        form = DecisionForm(seen_hash=entry.compute_content_hash(), supervision_level=entry.supervision_level)
    if can_decide:
        drafts.restore_into(form, f"signoff-{signoff_request.id}")
    signoff = queries.signoff_for_request(signoff_request.id)
    can_confirm = signoff is not None and policy.can_confirm_assessor_signature(current_user, signoff)
    return render_template(
        "signoff/detail.html",
        req=signoff_request,
        entry=entry,
        in_person=policy.can_sign_in_person(current_user, signoff_request) and pins.has_pin(signoff_request.supervisor),
        reissue_form=ReissueLinkForm() if policy.can_reissue_assessor_link(current_user, signoff_request) else None,
        links_left=links.reissues_left(signoff_request),
        can_allow_more=policy.can_allow_more_reissues(current_user, signoff_request),
        can_disown=signoff is not None and policy.can_disown_signature(current_user, signoff),
        form=form if can_decide else None,
        cancel_form=CancelForm() if policy.can_cancel_signoff(current_user, signoff_request) else None,
        confirm_form=(confirm_form or ConfirmSignatureForm()) if can_confirm else None,
        signoff=signoff,
        competencies=queries.claimed_competencies(entry),
        history=queries.history_for_evidence(entry.id),
        page_title=f"Sign-off request: {entry.title}",
    ), status


def _visible_request(request_id: int) -> SignOffRequest:
    return load_or_404(SignOffRequest, request_id, policy.can_view_signoff_request, options=queries.REQUEST_WITH_EVIDENCE)


@bp.route("/requests/<int:request_id>")
def detail(request_id: int):
    return _render_detail(_visible_request(request_id))


@bp.route("/requests/<int:request_id>/decide", methods=["POST"])
def decide(request_id: int):
    signoff_request = _visible_request(request_id)
    if signoff_request.status != "pending":  # a second click or another tab: say what happened, change nothing
        flash(f"This request was already {signoff_request.status}, so nothing was changed.", "info")
        return redirect(url_for("signoff.detail", request_id=request_id))
    policy.authorize(policy.can_decide_signoff(current_user, signoff_request))
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_detail(signoff_request, form, 400)
    try:
        if form.decision.data == "sign":
            services.sign(signoff_request, **form.signature(), decider=current_user)
            message = f"Signed off {signoff_request.evidence.title}."
        else:
            services.return_to_trainee(signoff_request, reason=form.reason.data.strip(), decider=current_user)
            message = f"Returned {signoff_request.evidence.title} to {signoff_request.evidence.trainee.name}."
        drafts.forget(current_user, f"signoff-{request_id}")
        db.session.commit()
    except RACE_ERRORS as error:
        flash(conflict_message(error), "error")
        return redirect(url_for("signoff.detail", request_id=request_id))
    flash(message, "success")
    return redirect(url_for("signoff.queue"))


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
def cancel(request_id: int):
    signoff_request = _visible_request(request_id)
    if signoff_request.status != "pending":
        flash(f"This request was already {signoff_request.status}, so nothing was changed.", "info")
        return redirect(url_for("signoff.detail", request_id=request_id))
    policy.authorize(policy.can_cancel_signoff(current_user, signoff_request))
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        services.cancel(current_user, signoff_request)
        db.session.commit()
    except RACE_ERRORS as error:
        flash(conflict_message(error), "error")
        return redirect(url_for("signoff.detail", request_id=request_id))
    flash("Request withdrawn. The evidence is a draft again.", "success")
    return redirect(url_for("signoff.detail", request_id=request_id))


@bp.route("/signatures/<int:signoff_id>/confirm", methods=["POST"])
def confirm_signature(signoff_id: int):
    """The educational supervisor confirms an outside assessor's signature (it then counts) or declines it."""
    signoff = load_or_404(SignOff, signoff_id, policy.can_view_signature, options=queries.SIGNATURE_WITH_EVIDENCE)
    if signoff.assurance != "unconfirmed" or signoff.voided_at is not None:  # a second click or another supervisor
        flash("This signature was already confirmed or declined, so nothing was changed.", "info")
        return redirect(url_for("signoff.detail", request_id=signoff.request_id))
    policy.authorize(policy.can_confirm_assessor_signature(current_user, signoff))
    form = ConfirmSignatureForm()
    if not form.validate_on_submit():
        return _render_detail(signoff.request, status=400, confirm_form=form)
    try:
        if form.decision.data == "confirm":
            services.confirm(current_user, signoff)
            message = f"Confirmed {signoff.assessor_name}'s signature: {signoff.evidence.title} now counts."
        else:
            services.decline(current_user, signoff, form.reason.data.strip())
            message = f"Declined {signoff.assessor_name}'s signature and returned {signoff.evidence.title} to the trainee."
        db.session.commit()
    except RACE_ERRORS as error:
        flash(conflict_message(error), "error")
        return redirect(url_for("signoff.detail", request_id=signoff.request_id))
    flash(message, "success")
    return redirect(url_for("signoff.queue"))


@bp.route("/stage/<int:trainee_id>/<stage_key>", methods=["GET", "POST"])
def stage(trainee_id: int, stage_key: str):
    policy.authorize(policy.can_sign_off_stage(current_user, trainee_id))
    trainee = load_or_404(User, trainee_id)
    row = load_or_404(TraineeProgress, (trainee_id, stage_key[:30]))
    curriculum = curricula.curriculum(trainee.trainee_profile.curriculum_version)
    stage_name = curriculum.stage(row.stage_key).name
    existing = [s for s in queries.stage_signoffs_for(trainee_id) if s.stage_key == row.stage_key]
    by_halo = halo.closes_by_halo(curriculum)  # a 2021 stage closes by its HALO, not by this sign-off
    form = StageSignOffForm(signed_on=uk_today()) if request.method == "GET" else StageSignOffForm()
    if not existing and not by_halo and row.ready_for_signoff and form.validate_on_submit():
        try:
            services.sign_off_stage(current_user, trainee, row.stage_key, form.signed_on.data, (form.comment.data or "").strip())
            db.session.commit()
        except RACE_ERRORS as error:
            flash(conflict_message(error), "error")
            return redirect(url_for("signoff.stage", trainee_id=trainee_id, stage_key=row.stage_key))
        flash(f"{stage_name} signed off for {trainee.name}.", "success")
        return redirect(url_for("signoff.queue"))
    return form_page(
        "signoff/stage.html",
        form,
        trainee=trainee,
        row=row,
        stage_name=stage_name,
        existing=existing[0] if existing else None,
        by_halo=by_halo,
        page_title=f"Sign off {stage_name}",
    )


@bp.route("/audit/<int:trainee_id>")
def audit_trail(trainee_id: int):
    policy.authorize(policy.can_view_audit(current_user, trainee_id))
    trainee = load_or_404(User, trainee_id)
    page = paginate(queries.audit_records(trainee_id), current_app.config["PAGE_SIZE"])
    return render_template(
        "signoff/audit.html",
        trainee=trainee,
        page=page,
        verified={r.id: record_hash(r) == r.record_hash for r in page},
        page_title=f"Audit trail: {trainee.name}",
    )
