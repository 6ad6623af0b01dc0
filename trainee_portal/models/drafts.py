"""Form drafts: what someone typed into a long form and has not saved yet, one per person and form, private to them
(competencies.drafts holds the keys' shapes and the limits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class FormDraft(db.Model):
    __table_args__ = (
        UniqueConstraint("user_id", "form_key", name="uq_form_draft_user_form"),
        Index("ix_form_draft_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # JSON: the form's fields as typed
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
