"""Pages for sending an outside assessor a new link (the old one dies at once) and for a training director
allowing more new links for one request."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from competencies import signing
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import SignOffRequest
from trainee_portal.platform.views import form_page, load_or_404
from trainee_portal.signoff import links, queries
from trainee_portal.signoff.blueprint import bp
from trainee_portal.signoff.forms import LinkAllowanceForm, ReissueLinkForm
from trainee_portal.signoff.services import RACE_ERRORS, conflict_message


def _request(request_id: int) -> SignOffRequest:
    return load_or_404(SignOffRequest, request_id, policy.can_view_signoff_request, options=queries.REQUEST_WITH_EVIDENCE)


@bp.route("/requests/<int:request_id>/new-link", methods=["POST"])
def reissue(request_id: int):
    signoff_request = _request(request_id)
    back = redirect(url_for("signoff.detail", request_id=request_id))
    if signoff_request.status != "pending":
        flash(f"This request was already {signoff_request.status}, so no new link was sent.", "info")
        return back
    policy.authorize(policy.can_reissue_assessor_link(current_user, signoff_request))
    if not ReissueLinkForm().validate_on_submit():
        abort(400)
    try:
        left = links.reissue(current_user, signoff_request)
        db.session.commit()
    except links.ReissueRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return back
    except RACE_ERRORS as error:
        flash(conflict_message(error), "error")
        return back
    flash(
        f"A new link is on its way to {signoff_request.assessor_email}. The old link no longer works. "
        f"You can send {left} more new link{'' if left == 1 else 's'} for this request.",
        "success",
    )
    return back


@bp.route("/requests/<int:request_id>/allowance", methods=["GET", "POST"])
def allowance(request_id: int):
    signoff_request = _request(request_id)
    if signoff_request.status != "pending":
        flash(f"This request was already {signoff_request.status}, so nothing was changed.", "info")
        return redirect(url_for("signoff.detail", request_id=request_id))
    policy.authorize(policy.can_allow_more_reissues(current_user, signoff_request))
    form = LinkAllowanceForm()
    if form.validate_on_submit():
        try:
            links.allow_more(current_user, signoff_request, form.extra.data, form.reason.data.strip())
            db.session.commit()
        except links.ReissueRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("signoff.detail", request_id=request_id))
        except RACE_ERRORS as error:
            flash(conflict_message(error), "error")
            return redirect(url_for("signoff.detail", request_id=request_id))
        flash(
            f"{signoff_request.evidence.trainee.name} can now send {links.reissues_left(signoff_request)} more new links.",
            "success",
        )
        return redirect(url_for("signoff.detail", request_id=request_id))
    return form_page(
        "signoff/allowance.html",
        form,
        req=signoff_request,
        entry=signoff_request.evidence,
        left=links.reissues_left(signoff_request),
        used=signoff_request.links_reissued,
        rule=signing.LINK_REISSUES_PER_REQUEST,
        page_title="Allow more new links",
    )
