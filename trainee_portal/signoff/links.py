"""One-time assessor links: random tokens stored only as SHA-256 hashes, minted when the email is sent; new links
the trainee sends (each kills the one before at once, up to a number a director may raise)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import joinedload

from competencies import signing
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, OutboxMessage, RetiredAssessorLink, SignOffRequest, User
from trainee_portal.notifications.outbox import TOKEN_PLACEHOLDER
from trainee_portal.notifications.renderers import register_renderer
from trainee_portal.platform import one_time_links
from trainee_portal.platform.clock import utcnow
from trainee_portal.signoff.services import queue_assessor_link

ASSESSOR_LINK_CATEGORY = "signoff.assessor_link"

hash_token = one_time_links.hash_token


def mint_token(signoff_request: SignOffRequest, now: datetime) -> str:
    """A fresh token for the request; only its hash is kept, and any earlier link stops working."""
    retire(signoff_request, now)
    return one_time_links.mint(signoff_request, now)


def prepare_link_body(message: OutboxMessage, now: datetime) -> str | None:
    """Mint the link for an assessor email just before it goes; None when the request is no longer pending."""
    if not message.signoff_request_id:
        return message.body
    signoff_request = db.session.get(SignOffRequest, message.signoff_request_id)
    if signoff_request is None or signoff_request.status != "pending":
        return None
    token = mint_token(signoff_request, now)
    db.session.commit()  # the hash is safely stored before the token leaves in an email
    return message.body.replace(TOKEN_PLACEHOLDER, token)


register_renderer(ASSESSOR_LINK_CATEGORY, prepare_link_body)


def find_by_token(token: str) -> SignOffRequest | None:
    return one_time_links.find(SignOffRequest, token, joinedload(SignOffRequest.evidence).joinedload(EvidenceEntry.trainee))


def was_replaced(token: str) -> bool:
    """The token was a real link that a newer one replaced."""
    return one_time_links.find(RetiredAssessorLink, token) is not None


def link_state(signoff_request: SignOffRequest | None, now: datetime, token: str = "") -> str:
    """unknown | replaced | used | withdrawn | expired | valid — what the assessor is told."""
    if signoff_request is None:
        return "replaced" if was_replaced(token) else "unknown"
    if signoff_request.token_used_at is not None or signoff_request.status in ("signed", "returned"):
        return "used"
    if signoff_request.status != "pending" or not signoff_request.evidence.is_current:
        return "withdrawn"
    if signoff_request.expires_at is None or signoff_request.expires_at <= now:
        return "expired"
    return "valid"


# --- new links -------------------------------------------------------------------------------------


class ReissueRefused(Exception):
    """No new link was sent; the message says why."""


def retire(signoff_request: SignOffRequest, now: datetime) -> None:
    """The request's current link stops working at once (its hash is kept only to say it was replaced)."""
    if signoff_request.token_hash is not None:
        db.session.add(RetiredAssessorLink(request_id=signoff_request.id, token_hash=signoff_request.token_hash, retired_at=now))
        signoff_request.token_hash = None
        signoff_request.expires_at = None
        db.session.flush()


def reissues_left(signoff_request: SignOffRequest) -> int:
    return max(0, signing.reissues_allowed(signoff_request.extra_reissues_allowed) - signoff_request.links_reissued)


def reissue(trainee: User, signoff_request: SignOffRequest) -> int:
    """Kill the current link and queue a new one (minted when the email goes); returns the new links left.
    A conditional UPDATE keeps two clicks at once from passing the limit together."""
    now, allowed = utcnow(), signing.reissues_allowed(signoff_request.extra_reissues_allowed)
    result = db.session.execute(
        update(SignOffRequest)
        .where(
            SignOffRequest.id == signoff_request.id,
            SignOffRequest.status == "pending",
            SignOffRequest.links_reissued < signing.LINK_REISSUES_PER_REQUEST.value + SignOffRequest.extra_reissues_allowed,
        )
        .values(links_reissued=SignOffRequest.links_reissued + 1)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise ReissueRefused(
            f"You have sent all {allowed} new links this request allows, so no link was sent. "
            f"Ask your training programme director to allow more, or withdraw the request and ask someone else."
        )
    db.session.refresh(signoff_request)
    retire(signoff_request, now)
    entry = signoff_request.evidence
    audit.record(
        "signoff.link_reissued",
        entry,
        {
            "request_id": signoff_request.id,
            "evidence_id": entry.id,
            "links_reissued": signoff_request.links_reissued,
            "allowed": allowed,
        },
        actor=trainee,
    )
    queue_assessor_link(trainee, entry, signoff_request, again=True)
    return reissues_left(signoff_request)


def allow_more(director: User, signoff_request: SignOffRequest, extra: int, reason: str) -> None:
    """A director allows `extra` more new links for this request."""
    before = signoff_request.extra_reissues_allowed
    result = db.session.execute(
        update(SignOffRequest)
        .where(SignOffRequest.id == signoff_request.id, SignOffRequest.status == "pending")
        .values(extra_reissues_allowed=SignOffRequest.extra_reissues_allowed + extra)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise ReissueRefused("This request has already been decided or withdrawn, so nothing was changed.")
    db.session.refresh(signoff_request)
    entry = signoff_request.evidence
    audit.record(
        "signoff.link_allowance_raised",
        entry,
        {
            "request_id": signoff_request.id,
            "evidence_id": entry.id,
            "extra_before": before,
            "extra_after": signoff_request.extra_reissues_allowed,
            "reason": reason,
        },
        actor=director,
    )
