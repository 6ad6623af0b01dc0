"""ARCP (Annual Review of Competence Progression) outcomes per trainee per training year."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow

ARCP_OUTCOMES = {
    "1": "Satisfactory progress",
    "2": "Specific capabilities to be developed, no extra time",
    "3": "Inadequate progress, extra training time needed",
    "4": "Released from training programme",
    "5": "Incomplete evidence presented",
    "6": "Gained all required capabilities (completed)",
    "8": "Out of programme",
    "10.1": "Progress delayed by COVID-19, no extra time",
    "10.2": "Progress delayed by COVID-19, extra time needed",
}


class ArcpOutcome(db.Model):
    __table_args__ = (UniqueConstraint("trainee_id", "training_year", name="uq_arcp_outcome_trainee_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    training_year: Mapped[str] = mapped_column(String(10))  # e.g. ST5
    outcome: Mapped[str] = mapped_column(String(5))
    panel_date: Mapped[date]
    notes: Mapped[str] = mapped_column(Text, default="")
    evidence_summary: Mapped[str] = mapped_column(Text, default="")  # JSON: what the panel looked at
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
