"""Public pages for an outside assessor's one-time link: that one item, their name and GMC number, one decision."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from trainee_portal import policy
from trainee_portal.extensions import db, limiter
from trainee_portal.platform.clock import utcnow
from trainee_portal.signoff import queries, services
from trainee_portal.signoff.blueprint import bp
from trainee_portal.signoff.forms import AssessorDecisionForm
from trainee_portal.signoff.links import find_by_token, link_state
from trainee_portal.signoff.services import RACE_ERRORS, conflict_message

REFUSALS = {
    "unknown": (
        404,
        "This link is not recognised",
        "Check that you copied the whole link from the email. If the trainee sent you a newer email, use the link in that one.",
    ),
    "used": (
        410,
        "This link has already been used",
        "Each link works once, and a decision has already been recorded with it. Nothing more is needed from you.",
    ),
    "expired": (
        410,
        "This link has expired",
        "Links work for a limited time. Ask the trainee to send you a new link if you still want to assess this item.",
    ),
    "replaced": (
        410,
        "This link no longer works",
        "The trainee sent you a newer link for this item, which replaced this one. Use the link in the newest email.",
    ),
    "withdrawn": (
        410,
        "This request was withdrawn",
        "The trainee withdrew this request or changed the item, so there is nothing to decide. The link no longer works.",
    ),
}


def _refuse(state: str, signoff_request=None):
    code, title, message = REFUSALS[state]
    expired_on = signoff_request.expires_at if state == "expired" and signoff_request is not None else None
    return render_template(
        "signoff/assessor_refused.html", title=title, message=message, expired_on=expired_on, page_title=title
    ), code


@bp.route("/assessor/<token>", methods=["GET", "POST"])
@policy.public
@limiter.limit("30 per minute")
def assessor(token: str):
    signoff_request = find_by_token(token)
    now = utcnow()
    state = link_state(signoff_request, now, token)
    if state != "valid":
        return _refuse(state, signoff_request)
    entry = signoff_request.evidence
    if not policy.can_decide_by_assessor_link(current_user, signoff_request, now):
        return render_template(
            "signoff/assessor_refused.html",
            title="You cannot assess your own evidence",
            message="Nobody signs off their own evidence. Ask a supervisor or another assessor.",
            page_title="You cannot assess your own evidence",
        ), 403
    form = AssessorDecisionForm()
    if not form.is_submitted():
        form.seen_hash.data, form.supervision_level.data = entry.compute_content_hash(), entry.supervision_level
    elif form.validate():
        gmc = form.assessor_gmc.data
        if not policy.can_decide_by_assessor_link(current_user, signoff_request, now, assessor_gmc=gmc):
            form.assessor_gmc.errors.append("This is the trainee's own GMC number. Nobody signs off their own evidence.")
        else:
            name = form.assessor_name.data.strip()
            try:
                if form.decision.data == "sign":
                    services.sign(signoff_request, **form.signature(), assessor_name=name, assessor_gmc=gmc)
                else:
                    services.return_to_trainee(
                        signoff_request, reason=form.reason.data.strip(), assessor_name=name, assessor_gmc=gmc
                    )
                db.session.commit()
            except RACE_ERRORS as error:
                flash(conflict_message(error), "error")
                return redirect(url_for("signoff.assessor", token=token))
            return redirect(url_for("signoff.assessor_done", decision=form.decision.data))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "signoff/assessor.html",
        req=signoff_request,
        entry=entry,
        form=form,
        token=token,
        assurance=policy.signature_assurance(signoff_request)[0],
        competencies=queries.claimed_competencies(entry),
        page_title="Assess a training record",
    ), status


@bp.route("/assessor/done")
@policy.public
def assessor_done():
    decision = "returned" if request.args.get("decision") == "return" else "signed off"
    return render_template("signoff/assessor_done.html", decision=decision, page_title="Thank you")
