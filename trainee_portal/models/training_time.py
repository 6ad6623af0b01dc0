"""Training periods: less-than-full-time training, leave and time out of programme, which turn calendar time into
training time (competencies.training_time)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class TrainingPeriod(db.Model):
    __table_args__ = (
        CheckConstraint("kind IN ('ltft','leave','oop','oopt')", name="known_kind"),
        CheckConstraint(
            "(kind = 'ltft' AND wte_percent > 0 AND wte_percent < 100) OR (kind <> 'ltft' AND wte_percent IS NULL)",
            name="wte_percent_for_ltft",
        ),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_order"),
        Index("ix_training_period_trainee", "trainee_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(8))
    wte_percent: Mapped[int | None]  # less-than-full-time periods only: the share of full time worked
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # the last day, included; open-ended without one
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
