"""ARCP (Annual Review of Competence Progression) outcomes per trainee per training year (the list and meanings are in
competencies/arcp.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class ArcpOutcome(db.Model):
    """One panel's outcome; a training year may have several (a panel reconvened after outcome 5, say), one per panel
    date: unique, so two clicks that both pass the route's check cannot both record it."""

    __table_args__ = (UniqueConstraint("trainee_id", "training_year", "panel_date", name="uq_arcp_outcome_panel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    training_year: Mapped[str] = mapped_column(String(10))  # e.g. ST5
    outcome: Mapped[str] = mapped_column(String(5))
    panel_date: Mapped[date]
    notes: Mapped[str] = mapped_column(Text, default="")
    evidence_summary: Mapped[str] = mapped_column(Text, default="")  # JSON: what the panel looked at
    # The pack frozen at the panel's cut-off that this outcome was decided on (none for outcomes typed in without a
    # scheduled panel, as before panels existed).
    panel_pack_id: Mapped[int | None] = mapped_column(ForeignKey("panel_pack.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
