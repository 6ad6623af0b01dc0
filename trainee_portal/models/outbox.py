"""Outgoing email and in-app notifications: one row each, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class OutboxMessage(db.Model):
    __table_args__ = (
        Index("ix_outbox_message_unsent", "sent_at", "next_attempt_at"),
        Index("ix_outbox_message_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None for outside assessors
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))  # in-app path the notification points to
    category: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # An assessor's one-time link is minted when the email is sent, so its token is never stored in the body.
    signoff_request_id: Mapped[int | None] = mapped_column(ForeignKey("sign_off_request.id"), index=True)
