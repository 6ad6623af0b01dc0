"""HALO pages, /halo/…: the reviewer's queue, asking for a stage's HALO, a request with its evidence and the
decision, and withdrawing a request."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from competencies import EVIDENCE_TYPES, halo
from trainee_portal import curricula, policy
from trainee_portal.drafts import services as drafts
from trainee_portal.extensions import db
from trainee_portal.halo import queries, services
from trainee_portal.halo.blueprint import bp
from trainee_portal.halo.forms import AskForm, DecideForm, WithdrawForm
from trainee_portal.models import HaloRequest
from trainee_portal.platform.views import form_page, load_or_404

STATUS_TEXT = {"requested": "Requested", "signed": "Signed", "returned": "Returned", "withdrawn": "Withdrawn"}


@bp.app_context_processor
def halo_helpers():
    return {"halo_status_text": STATUS_TEXT, "evidence_type_labels": {code: t.label for code, t in EVIDENCE_TYPES.items()}}


def stage_url(trainee_id: int, curriculum_version: str, stage_key: str) -> str | None:
    """The stage page showing this stage (a stage page per level), for the trainee or for a viewer who names them."""
    stage = curricula.curriculum(curriculum_version).stage(stage_key)
    own = trainee_id == current_user.id
    return url_for(f"stage_{stage.level}.index", trainee=None if own else trainee_id)


@bp.route("/")
@policy.requires(policy.can_use_halo_queue)
def queue():
    return render_template(
        "halo/queue.html",
        waiting=queries.queue_for(current_user),
        decided=queries.queue_for(current_user, open_only=False, limit=20),
        stage_name=services.stage_name,
        page_title="HALO requests",
    )


@bp.route("/ask/<stage_key>", methods=["GET", "POST"])
def ask(stage_key: str):
    policy.authorize(policy.can_request_halo(current_user, current_user.id))
    profile = current_user.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    if not halo.closes_by_halo(curriculum) or stage_key not in {s.key for s in curriculum.followed_stages(profile.sia_stage_key)}:
        abort(404)  # not a stage of theirs: the SIA they do not follow included
    stage = curriculum.stage(stage_key)
    back = url_for(f"stage_{stage.level}.index")
    earlier = queries.requests_for_stage(current_user.id, curriculum.version, stage.key)
    if not halo.may_request([r.status for r in earlier]):
        flash(f"Your {stage.name} HALO is already requested or signed.", "info")
        return redirect(url_for("halo.detail", request_id=earlier[0].id))
    entries = queries.stage_evidence(current_user.id, stage)
    form = AskForm()
    form.evidence.choices = [
        (e.id, f"{e.title} · {evidence_type_label(e.evidence_type)} · {e.occurred_on:%d %b %Y} · {e.status}") for e in entries
    ]
    drafts.restore_into(form, f"halo-ask-{stage.key}")
    if form.validate_on_submit():
        try:
            halo_request = services.request_halo(current_user, stage.key, form.evidence.data, (form.statement.data or "").strip())
            drafts.forget(current_user, f"halo-ask-{stage.key}")
            db.session.commit()
        except services.RACE_ERRORS as error:
            form.form_errors.append(services.error_message(error))
        else:
            flash(f"HALO requested for {stage.name}. The Faculty Tutor (Pain) has been told.", "success")
            return redirect(url_for("halo.detail", request_id=halo_request.id))
    return form_page("halo/ask.html", form, stage=stage, back=back, entries=entries, page_title=f"Ask for the {stage.name} HALO")


def evidence_type_label(code: str) -> str:
    kind = EVIDENCE_TYPES.get(code)
    return kind.label if kind else code


def _visible(request_id: int) -> HaloRequest:
    return load_or_404(HaloRequest, request_id, policy.can_view_halo)


def _detail(halo_request: HaloRequest, form: DecideForm | None = None, status: int = 200):
    can_decide = policy.can_decide_halo(current_user, halo_request)
    if can_decide:
        form = form or DecideForm()
        drafts.restore_into(form, f"halo-decide-{halo_request.id}")
    return render_template(
        "halo/detail.html",
        req=halo_request,
        stage_name=services.stage_name(halo_request),
        stage_link=stage_url(halo_request.trainee_id, halo_request.curriculum_version, halo_request.stage_key)
        if policy.can_view_trainee(current_user, halo_request.trainee_id)
        else None,
        changed=queries.evidence_changed(halo_request),
        form=(form or DecideForm()) if can_decide else None,
        withdraw_form=WithdrawForm() if policy.can_withdraw_halo(current_user, halo_request) else None,
        page_title=f"HALO: {services.stage_name(halo_request)}",
    ), status


@bp.route("/<int:request_id>")
def detail(request_id: int):
    return _detail(_visible(request_id))


@bp.route("/<int:request_id>/decide", methods=["POST"])
def decide(request_id: int):
    halo_request = _visible(request_id)
    if not halo.may_decide(halo_request.status):  # a second click or another reviewer: say so, change nothing
        flash(f"This HALO request was already {halo_request.status}, so nothing was changed.", "info")
        return redirect(url_for("halo.detail", request_id=request_id))
    policy.authorize(policy.can_decide_halo(current_user, halo_request))
    form = DecideForm()
    if not form.validate_on_submit():
        return _detail(halo_request, form, 400)
    try:
        services.decide(current_user, halo_request, form.decision.data, form.comment.data or "")
        drafts.forget(current_user, f"halo-decide-{request_id}")
        db.session.commit()
    except services.RACE_ERRORS as error:
        flash(services.error_message(error), "error")
        return redirect(url_for("halo.detail", request_id=request_id))
    verb = "Signed" if form.decision.data == "sign" else "Returned"
    flash(f"{verb} the {services.stage_name(halo_request)} HALO of {halo_request.trainee.name}.", "success")
    return redirect(url_for("halo.queue"))


@bp.route("/<int:request_id>/withdraw", methods=["POST"])
def withdraw(request_id: int):
    halo_request = _visible(request_id)
    if not halo.may_withdraw(halo_request.status):
        flash(f"This HALO request was already {halo_request.status}, so nothing was changed.", "info")
        return redirect(url_for("halo.detail", request_id=request_id))
    policy.authorize(policy.can_withdraw_halo(current_user, halo_request))
    if not WithdrawForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw(current_user, halo_request)
        db.session.commit()
    except services.RACE_ERRORS as error:
        flash(services.error_message(error), "error")
        return redirect(url_for("halo.detail", request_id=request_id))
    flash("HALO request withdrawn. You can ask again when you are ready.", "success")
    return redirect(url_for("halo.detail", request_id=request_id))
