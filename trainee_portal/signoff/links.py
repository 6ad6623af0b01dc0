"""One-time assessor links: random tokens stored only as SHA-256 hashes, minted when the email is sent."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, OutboxMessage, SignOffRequest
from trainee_portal.notifications.outbox import TOKEN_PLACEHOLDER
from trainee_portal.notifications.renderers import register_renderer

ASSESSOR_LINK_CATEGORY = "signoff.assessor_link"

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_token(signoff_request: SignOffRequest, now: datetime) -> str:
    """A fresh token for the request; only its hash is kept, and any earlier link stops working."""
    token = secrets.token_urlsafe(32)
    signoff_request.token_hash = hash_token(token)
    signoff_request.expires_at = now + timedelta(days=int(current_app.config["ASSESSOR_LINK_DAYS"]))
    return token


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
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        return None
    return db.session.scalar(
        select(SignOffRequest)
        .where(SignOffRequest.token_hash == hash_token(token))
        .options(joinedload(SignOffRequest.evidence).joinedload(EvidenceEntry.trainee))
    )


def link_state(signoff_request: SignOffRequest | None, now: datetime) -> str:
    """unknown | used | withdrawn | expired | valid — what the assessor is told."""
    if signoff_request is None:
        return "unknown"
    if signoff_request.token_used_at is not None or signoff_request.status in ("signed", "returned"):
        return "used"
    if signoff_request.status != "pending" or not signoff_request.evidence.is_current:
        return "withdrawn"
    if signoff_request.expires_at is None or signoff_request.expires_at <= now:
        return "expired"
    return "valid"
