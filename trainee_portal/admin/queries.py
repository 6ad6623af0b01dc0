"""Conditions the administration lists filter by, and the administrator's home counts with: each built from its rule
in competencies.attention, so the count on the home page and the list it links to cannot disagree."""

from __future__ import annotations

from sqlalchemy import and_

from competencies import attention
from trainee_portal.models import OutboxMessage, User


def _is_none(column):
    return column.is_(None)


def awaiting_first_sign_in():
    """SQL: active accounts with a temporary password that have never signed in."""
    return attention.awaiting_first_sign_in(
        User.active, User.last_login_at, User.must_change_password, is_none=_is_none, every=and_
    )


def outbox_failed():
    """SQL: emails not sent after a failed try."""
    return attention.outbox_failed(
        OutboxMessage.sent_at, OutboxMessage.attempts, OutboxMessage.last_error, is_none=_is_none, every=and_
    )
