"""One-time rater links: random tokens stored only as SHA-256 hashes, minted when the invitation email is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from competencies import msf
from trainee_portal.extensions import db
from trainee_portal.models import MsfRater, OutboxMessage
from trainee_portal.notifications.outbox import TOKEN_PLACEHOLDER
from trainee_portal.notifications.renderers import register_renderer
from trainee_portal.platform import one_time_links

RATER_LINK_CATEGORY = "msf.rater_link"


def mint_token(rater: MsfRater, now: datetime) -> str:
    """A fresh token for the rater; only its hash is kept, and any earlier link stops working. Rater links last as
    long as outside assessors' links (ASSESSOR_LINK_DAYS)."""
    return one_time_links.mint(rater, now)


def prepare_invitation(message: OutboxMessage, now: datetime) -> str | None:
    """Mint the rater's link just before the email goes; None when the rater has answered or the round has ended."""
    rater = db.session.scalar(select(MsfRater).where(MsfRater.outbox_message_id == message.id))
    if rater is None or rater.responded_at is not None or not msf.may_answer(rater.round.status):
        return None
    token = mint_token(rater, now)
    db.session.commit()  # the hash is safely stored before the token leaves in an email
    return message.body.replace(TOKEN_PLACEHOLDER, token)


register_renderer(RATER_LINK_CATEGORY, prepare_invitation)


def find_by_token(token: str) -> MsfRater | None:
    return one_time_links.find(MsfRater, token, joinedload(MsfRater.round))


def link_state(rater: MsfRater | None, now: datetime) -> str:
    """unknown | used | ended | expired | valid — what the rater is told."""
    if rater is None:
        return "unknown"
    if rater.responded_at is not None:
        return "used"
    if not msf.may_answer(rater.round.status):
        return "ended"
    if rater.expires_at is None or rater.expires_at <= now:
        return "expired"
    return "valid"
