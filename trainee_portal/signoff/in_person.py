"""Pages for signing in person: the trainee hands their signed-in device to the request's supervisor, who signs
there with their PIN; and the supervisor's page for voiding a signature given in their name that was not theirs."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from trainee_portal import policy
from trainee_portal.extensions import db, limiter
from trainee_portal.models import SignOff, SignOffRequest
from trainee_portal.platform.views import load_or_404
from trainee_portal.signoff import pins, queries
from trainee_portal.signoff.blueprint import bp
from trainee_portal.signoff.forms import DisownForm, InPersonSignForm
from trainee_portal.signoff.services import RACE_ERRORS, conflict_message

NOT_SET_UP = (
    "This supervisor has not set up in-person signing. Ask them to sign in to the portal, or to set a PIN in their account."
)


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _page(signoff_request: SignOffRequest, form: InPersonSignForm | None, status: int = 200, headers: dict | None = None):
    entry = signoff_request.evidence
    response = make_response(
        render_template(
            "signoff/in_person.html",
            req=signoff_request,
            entry=entry,
            form=form,
            not_set_up=NOT_SET_UP if form is None else None,
            competencies=queries.claimed_competencies(entry),
            page_title=f"Sign in person: {entry.title}",
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # the page is handed to someone else: keep nothing behind
    response.headers.update(headers or {})
    return response


@bp.route("/requests/<int:request_id>/in-person", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])  # a per-worker flood guard; wrong PINs are counted across workers
def in_person(request_id: int):
    signoff_request = load_or_404(
        SignOffRequest, request_id, policy.can_view_signoff_request, options=queries.REQUEST_WITH_EVIDENCE
    )
    if signoff_request.status != "pending":  # a replayed form or a second tab: say what happened, change nothing
        flash(f"This request was already {signoff_request.status}, so nothing was changed.", "info")
        return redirect(url_for("signoff.detail", request_id=request_id))
    policy.authorize(policy.can_sign_in_person(current_user, signoff_request))
    if not pins.has_pin(signoff_request.supervisor):
        return _page(signoff_request, None)
    form = InPersonSignForm()
    if not form.is_submitted():
        entry = signoff_request.evidence
        form.seen_hash.data, form.supervision_level.data = entry.compute_content_hash(), entry.supervision_level
        return _page(signoff_request, form)
    if not form.validate():
        return _page(signoff_request, form, 400)
    outcome, wait = pins.check_pin(current_user, signoff_request, form.pin.data)
    if outcome == "locked":
        form.form_errors.append(
            f"In-person signing is locked for this supervisor after too many wrong PINs. Try again in {_minutes(wait)}, "
            f"or ask them to sign in to the portal and decide there."
        )
        return _page(signoff_request, form, 429, {"Retry-After": str(wait)})
    if outcome == "wrong":
        form.pin.errors = ["The PIN is not right. Only the supervisor should type it."]
        return _page(signoff_request, form, 400)
    if outcome == "none":
        return _page(signoff_request, None)
    try:
        pins.sign_in_person(current_user, signoff_request, **form.signature())
        db.session.commit()
    except RACE_ERRORS as error:
        flash(conflict_message(error), "error")
        return redirect(url_for("signoff.detail", request_id=request_id))
    flash(f"Signed off in person by {signoff_request.supervisor.name}. They have been told by email.", "success")
    return redirect(url_for("signoff.detail", request_id=request_id))


@bp.route("/signatures/<int:signoff_id>/disown", methods=["GET", "POST"])
def disown(signoff_id: int):
    """The supervisor voids a signature given in person in their name, if it was not them."""
    signoff = load_or_404(SignOff, signoff_id, policy.can_view_signature, options=queries.SIGNATURE_WITH_EVIDENCE)
    if signoff.voided_at is not None:
        flash("This signature is already void, so nothing was changed.", "info")
        return redirect(url_for("signoff.detail", request_id=signoff.request_id))
    policy.authorize(policy.can_disown_signature(current_user, signoff))
    form = DisownForm()
    if form.validate_on_submit():
        try:
            pins.disown(current_user, signoff, form.reason.data.strip())
            db.session.commit()
        except RACE_ERRORS as error:
            flash(conflict_message(error), "error")
            return redirect(url_for("signoff.detail", request_id=signoff.request_id))
        flash(
            "The signature is void and the evidence is back with the trainee. If someone else knows your PIN, change it now.",
            "success",
        )
        return redirect(url_for("auth.signing_pin"))
    return render_template(
        "signoff/disown.html", signoff=signoff, entry=signoff.evidence, form=form, page_title="Void a signature given in person"
    ), (400 if form.is_submitted() else 200)
