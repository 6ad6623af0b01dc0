"""MSF pages, /msf/…: the rounds list, starting a round, a round with its raters (the trainee) or its collated
result and decision (the educational supervisor), and the public one-time questionnaire for raters."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from competencies import msf
from trainee_portal import curricula, policy
from trainee_portal.extensions import db, limiter
from trainee_portal.models import MsfRater, MsfRound
from trainee_portal.msf import queries, services
from trainee_portal.msf.blueprint import bp
from trainee_portal.msf.forms import DecideForm, RaterForm, ResendForm, StartRoundForm, answer_form
from trainee_portal.msf.links import find_by_token, link_state
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.views import form_page, load_or_404

REFUSALS = {
    "unknown": (
        404,
        "This link is not recognised",
        "Check that you copied the whole link from the email. If you were sent a newer email, use the link in that one.",
    ),
    "used": (410, "This link has already been used", "Each link works once, and your answers are already in. Thank you."),
    "expired": (410, "This link has expired", "Links work for a limited time. Ask the trainee to send you a new link."),
    "ended": (410, "This feedback round has ended", "The round was released or closed, so it takes no more answers."),
}


@bp.app_context_processor
def msf_helpers():
    return {"msf_status_labels": msf.STATUS_LABELS, "msf_rating_labels": msf.RATINGS}


@bp.route("/")
@policy.requires(policy.can_use_msf)
def index():
    own = queries.rounds_for_trainee(current_user.id) if policy.is_trainee(current_user) else []
    supervised = queries.rounds_for_supervisor(current_user.id) if policy.is_supervisor(current_user) else []
    counts = queries.counts_for_rounds([r.id for r in own + supervised])
    ready_ids = {r.id for r in own + supervised if r.status == msf.COLLECTING and queries.readiness(r).ready}
    return render_template(
        "msf/index.html",
        own=own,
        supervised=supervised,
        counts=counts,
        ready_ids=ready_ids,
        can_start=policy.can_start_msf_round(current_user),
        page_title="Multi-source feedback",
    )


@bp.route("/new", methods=["GET", "POST"])
@policy.requires(policy.can_start_msf_round)
def new():
    form = StartRoundForm()
    if form.validate_on_submit():
        try:
            msf_round = services.start_round(current_user, (form.title.data or "").strip())
            db.session.commit()
        except services.RACE_ERRORS as error:
            form.title.errors.append(services.failure_message(error))
        else:
            flash("Round started. Now nominate your raters.", "success")
            return redirect(url_for("msf.detail", round_id=msf_round.id))
    rules = curricula.curriculum(current_user.trainee_profile.curriculum_version).msf
    return form_page("msf/new.html", form, rules=rules, page_title="Start a multi-source feedback round")


def _round(round_id: int) -> MsfRound:
    return load_or_404(MsfRound, round_id, policy.can_view_msf_round)


def _render(msf_round: MsfRound, *, rater_form=None, decide_form=None, status: int = 200):
    rules = queries.rules_for(msf_round)
    owner = policy.owns_msf_round(current_user, msf_round)
    can_nominate = policy.can_nominate_msf_rater(current_user, msf_round)
    can_decide = policy.can_decide_msf_round(current_user, msf_round)
    if can_nominate and rater_form is None:
        rater_form = RaterForm().for_rules(rules)
    if can_decide and decide_form is None:
        decide_form = DecideForm()
    return render_template(
        "msf/detail.html",
        round=msf_round,
        rules=rules,
        owner=owner,
        # The trainee and their educational supervisor see whom the trainee nominated (never who has answered).
        raters=queries.raters(msf_round.id),
        counts=queries.response_counts(msf_round.id),
        readiness=queries.readiness(msf_round),
        collation=queries.collated(msf_round) if policy.can_see_msf_results(current_user, msf_round) else None,
        rater_form=rater_form if can_nominate else None,
        resend_form=ResendForm() if can_nominate else None,
        decide_form=decide_form if can_decide else None,
        page_title=f"Multi-source feedback: {msf_round.title or 'round ' + str(msf_round.id)}",
    ), status


@bp.route("/<int:round_id>")
def detail(round_id: int):
    return _render(_round(round_id))


@bp.route("/<int:round_id>/raters", methods=["POST"])
def nominate(round_id: int):
    msf_round = _round(round_id)
    policy.authorize(policy.can_nominate_msf_rater(current_user, msf_round))
    form = RaterForm().for_rules(queries.rules_for(msf_round))
    if not form.validate_on_submit():
        return _render(msf_round, rater_form=form, status=400)
    try:
        services.nominate(current_user, msf_round, name=form.name.data, email=form.email.data, staff_group=form.staff_group.data)
        db.session.commit()
    except services.RACE_ERRORS as error:
        form.email.errors.append(services.failure_message(error))
        return _render(_round(round_id), rater_form=form, status=400)
    flash(f"{form.name.data.strip()} nominated. Their link goes out by email.", "success")
    return redirect(url_for("msf.detail", round_id=round_id, _anchor="raters"))


@bp.route("/<int:round_id>/raters/<int:rater_id>/resend", methods=["POST"])
def resend(round_id: int, rater_id: int):
    msf_round = _round(round_id)
    rater = load_or_404(MsfRater, rater_id)
    if rater.round_id != msf_round.id:
        abort(404)
    policy.authorize(policy.can_nominate_msf_rater(current_user, msf_round))
    if not ResendForm().validate_on_submit():
        abort(400)
    try:
        services.resend(current_user, msf_round, rater)
        db.session.commit()
    except services.RACE_ERRORS as error:
        flash(services.failure_message(error), "error")
    else:
        flash(f"A new link goes to {rater.name} unless they have already answered; their old link stops working.", "success")
    return redirect(url_for("msf.detail", round_id=round_id, _anchor="raters"))


@bp.route("/<int:round_id>/decide", methods=["POST"])
def decide(round_id: int):
    msf_round = _round(round_id)
    if msf_round.status != msf.COLLECTING:  # a second click or another tab: say what happened, change nothing
        flash("This round was already released or closed, so nothing was changed.", "info")
        return redirect(url_for("msf.detail", round_id=round_id))
    policy.authorize(policy.can_decide_msf_round(current_user, msf_round))
    form = DecideForm()
    if not form.validate_on_submit():
        return _render(msf_round, decide_form=form, status=400)
    comment = (form.comment.data or "").strip()
    try:
        if form.decision.data == "release":
            services.release(current_user, msf_round, comment)
            message = f"Feedback released to {msf_round.trainee.name}. It counts as their MSF."
        else:
            services.close(current_user, msf_round, comment)
            message = "Round closed early. It does not count as an MSF."
        db.session.commit()
    except services.RACE_ERRORS as error:
        form.decision.errors.append(services.failure_message(error))
        return _render(_round(round_id), decide_form=form, status=400)
    flash(message, "success")
    return redirect(url_for("msf.detail", round_id=round_id))


def _refuse(state: str):
    code, title, message = REFUSALS[state]
    return render_template("msf/refused.html", title=title, message=message, page_title=title), code


@bp.route("/rate/<token>", methods=["GET", "POST"])
@policy.public
@limiter.limit("30 per minute")
def rate(token: str):
    rater = find_by_token(token)
    now = utcnow()
    state = link_state(rater, now)
    if state != "valid":
        return _refuse(state)
    if not policy.can_answer_msf(current_user, rater, now):
        return render_template(
            "msf/refused.html",
            title="You cannot give feedback on yourself",
            message="This questionnaire is for the colleagues the trainee nominated. Nobody rates themselves.",
            page_title="You cannot give feedback on yourself",
        ), 403
    rules = queries.rules_for(rater.round)
    form = answer_form(rules)
    if form.validate_on_submit():
        try:
            services.answer(rater, form.ratings(), form.comments())
            db.session.commit()
        except services.RACE_ERRORS as error:
            form.form_errors.append(services.failure_message(error))
        else:
            return redirect(url_for("msf.rate_done"))
    return form_page(
        "msf/rate.html",
        form,
        rater=rater,
        trainee=rater.round.trainee,
        rules=rules,
        page_title="Multi-source feedback questionnaire",
    )


@bp.route("/rate/done")
@policy.public
def rate_done():
    return render_template("msf/rate_done.html", page_title="Thank you")
