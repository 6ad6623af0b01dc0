"""Sign-off over the API, for a supervisor whose token carries the "signoff" scope: the queue the sign-off page
lists, one request with the content it asks them to sign, and the decisions.

A request's ETag is the SHA-256 of the entry's content as it is now (EvidenceEntry.compute_content_hash, the
`seen_hash` of the decision form on the page). Signing or returning needs it back as `If-Match`: without it 428, and
412 if the entry changed since it was read, so a signature covers exactly the content the signer saw. The decisions
call the same services as the page (signoff/services.sign and return_to_trainee): the trainee's notification, the
progress summary, the audit record and the response time all follow from them. A signature given here is recorded
with the method "api_token" and the token's shown part in its audit record (never the secret)."""

from __future__ import annotations

from flask import g, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Conflict, PreconditionFailed, PreconditionRequired

from competencies import calendar_days
from trainee_portal import policy
from trainee_portal.api import keyset
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import Blueprint
from trainee_portal.api.schemas.signoff import QueueArgsSchema, QueuePageSchema, RequestSchema, ReturnSchema, SignSchema
from trainee_portal.extensions import db
from trainee_portal.models import SignOffRequest
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.views import load_or_404
from trainee_portal.signoff import labels, queries, services
from trainee_portal.signoff.services import RACE_ERRORS, conflict_message

API_METHOD = "api_token"  # SignOff.method of a signature given with a personal access token
DECIDED = ("signed", "returned")


class ContentHash(str):
    """An entry's content hash used as an ETag as it is (flask-smorest would otherwise send a hash of it)."""


class SignoffBlueprint(Blueprint):
    @staticmethod
    def _generate_etag(etag_data, extra_data=None):
        if isinstance(etag_data, ContentHash) and not extra_data:
            return str(etag_data)
        return Blueprint._generate_etag(etag_data, extra_data)


blp = SignoffBlueprint(
    "api_signoff", __name__, description="Sign-off requests waiting for the caller, and signing or returning them."
)
DECISION_DOC = {
    "parameters": ["IF_MATCH"],  # one entity tag (api/blueprint.py): `*` is answered 428, as no If-Match
    "responses": {404: "NOT_FOUND", 409: "CONFLICT", 412: "PRECONDITION_FAILED", 428: "PRECONDITION_REQUIRED"},
}


def _person(user) -> dict:
    return {"id": user.id, "name": user.name}


def _summary(entry) -> dict:
    return {
        "id": entry.id,
        "title": entry.title,
        "evidence_type": entry.evidence_type,
        "stage_level": entry.stage_level,
        "occurred_on": entry.occurred_on,
    }


def _entry(entry) -> dict:
    return {
        **_summary(entry),
        **{name: getattr(entry, name) for name in entry.DETAIL_FIELDS},
        "status": entry.status,
        "version": entry.version,
        "attachment_name": entry.attachment_name,
        "competencies": [{"code": code, "title": title} for code, title in queries.claimed_competencies(entry)],
        "content_hash": entry.compute_content_hash(),
    }


def _signature(signoff) -> dict | None:
    if signoff is None:
        return None
    return {
        "id": signoff.id,
        "level": signoff.supervision_level,
        "feedback": signoff.feedback,
        "signed_at": signoff.signed_at,
        "method": signoff.method,
        "assurance": signoff.assurance,
        "content_hash": signoff.content_hash,
        "label": labels.signature_label(signoff),
    }


def _request(signoff_request: SignOffRequest) -> dict:
    entry = signoff_request.evidence
    return {
        "id": signoff_request.id,
        "status": signoff_request.status,
        "trainee": _person(entry.trainee),
        "asked_at": signoff_request.created_at,
        "days_waiting": calendar_days.days_since(signoff_request.created_at, uk_today()),
        "decided_at": signoff_request.decided_at,
        "return_reason": signoff_request.return_reason,
        "evidence": _entry(entry),
        "signature": _signature(queries.signoff_for_request(signoff_request.id)),
    }


def _visible_request(request_id: int) -> SignOffRequest:
    """As the page: 404 for no such request, 403 for one the caller may not see."""
    return load_or_404(SignOffRequest, request_id, policy.can_view_signoff_request, options=queries.REQUEST_WITH_EVIDENCE)


def _decidable(request_id: int) -> SignOffRequest:
    """The request, if the caller may decide it now on the content they read (If-Match), else the problem why:
    404 no such request; 403 not theirs to see; 409 already decided; 403 not asked of them; 428 no If-Match; 412 the entry changed since
    it was read; 409 withdrawn or expired."""
    signoff_request = _visible_request(request_id)
    if signoff_request.status in DECIDED:
        raise Conflict(f"This request was already {signoff_request.status}, so nothing was changed.")
    policy.authorize(policy.was_asked_to_sign(current_user, signoff_request))
    if not request.if_match or request.if_match.star_tag:
        raise PreconditionRequired(
            "Send the ETag you read from GET /api/v1/signoff/requests/{id} as If-Match, so the decision covers the "
            "content you saw."
        )
    if signoff_request.evidence.compute_content_hash() not in request.if_match:
        raise PreconditionFailed("The trainee changed this evidence after you read it. Read it again before deciding.")
    if signoff_request.status != "pending":
        raise Conflict(f"This request was {signoff_request.status}, so nothing was changed.")
    policy.authorize(policy.can_decide_signoff(current_user, signoff_request))
    return signoff_request


def _commit_decision(signoff_request: SignOffRequest, decide) -> dict:
    try:
        decide()
        db.session.commit()
    except RACE_ERRORS as error:
        raise Conflict(conflict_message(error)) from None
    db.session.refresh(signoff_request)
    return _request(signoff_request)


@blp.route("/signoff/queue")
@requires_scope("signoff", policy.can_use_signoff_queue)
@blp.arguments(QueueArgsSchema, location="query")
@blp.response(200, QueuePageSchema)
def queue(args):
    """The requests waiting for the caller's decision, oldest first, as the sign-off page lists them."""
    items = queries.queue_for(current_user, uk_today())
    place = keyset.decode(args["cursor"], keyset.INSTANT)
    if place is not None:
        items = [i for i in items if (i.request.created_at, i.request.id) > place]
    page, more = items[: args["limit"]], len(items) > args["limit"]
    next_cursor = keyset.encode(page[-1].request.created_at, page[-1].request.id, keyset.INSTANT) if more else None
    if next_cursor is not None:
        link = url_for("api_signoff.queue", cursor=next_cursor, limit=args["limit"])
        request.environ["portal.api.next_link"] = link
    return {
        "items": [
            {
                "id": item.request.id,
                "trainee": _person(item.request.evidence.trainee),
                "evidence": _summary(item.request.evidence),
                "asked_at": item.request.created_at,
                "days_waiting": item.waiting_days,
                "content_hash": item.request.evidence.compute_content_hash(),
            }
            for item in page
        ],
        "next_cursor": next_cursor,
    }


@blp.after_request
def _link_header(response):
    """A list page that has more says where the next page is (RFC 8288), as its body's next_cursor does."""
    link = request.environ.pop("portal.api.next_link", None)
    if link is not None:
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response


@blp.route("/signoff/requests/<int:request_id>")
@requires_scope("signoff", policy.can_use_signoff_queue)
@blp.etag
@blp.response(200, RequestSchema)
@blp.doc(responses={404: "NOT_FOUND"})
def detail(request_id: int):
    """One request with the full content it asks to be signed; its ETag is the entry's content hash."""
    signoff_request = _visible_request(request_id)
    blp.set_etag(ContentHash(signoff_request.evidence.compute_content_hash()))
    return _request(signoff_request)


@blp.route("/signoff/requests/<int:request_id>/sign", methods=["POST"])
@requires_scope("signoff", policy.can_use_signoff_queue)
@blp.arguments(SignSchema)
@blp.response(200, RequestSchema)
@blp.doc(**DECISION_DOC)
def sign(body, request_id: int):
    """Sign the entry at a supervision level, covering the content read (If-Match: the request's ETag)."""
    signoff_request = _decidable(request_id)
    seen_hash = signoff_request.evidence.compute_content_hash()
    return _commit_decision(
        signoff_request,
        lambda: services.sign(
            signoff_request,
            level=body["level"],
            feedback=body["feedback"].strip(),
            seen_hash=seen_hash,
            decider=current_user,
            method=API_METHOD,
            token=g.api_token,
        ),
    )


@blp.route("/signoff/requests/<int:request_id>/return", methods=["POST"])
@requires_scope("signoff", policy.can_use_signoff_queue)
@blp.arguments(ReturnSchema)
@blp.response(200, RequestSchema)
@blp.doc(**DECISION_DOC)
def return_to_trainee(body, request_id: int):
    """Return the entry to the trainee with a reason they see (If-Match: the request's ETag)."""
    signoff_request = _decidable(request_id)
    return _commit_decision(
        signoff_request, lambda: services.return_to_trainee(signoff_request, reason=body["reason"].strip(), decider=current_user)
    )
