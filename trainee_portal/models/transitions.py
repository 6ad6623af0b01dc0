"""A trainee's moves between curriculum versions, each with the date it takes effect and who recorded it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class CurriculumTransition(db.Model):
    """One move: the version and stage level left, the ones joined, and when it takes effect."""

    __table_args__ = (Index("ix_curriculum_transition_trainee", "trainee_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    from_version: Mapped[str] = mapped_column(String(20))
    to_version: Mapped[str] = mapped_column(String(20))
    from_stage: Mapped[str] = mapped_column(String(20))  # stage levels, as TraineeProfile.current_stage
    to_stage: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    trainee = relationship("User", foreign_keys=[trainee_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
