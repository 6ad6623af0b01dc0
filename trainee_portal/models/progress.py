"""Per-trainee progress summaries maintained on every evidence write and recomputable from scratch.

EvidenceTally holds the aggregates the domain core reads; TraineeProgress holds each stage's result
so cohort dashboards never touch raw evidence.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class EvidenceTally(db.Model):
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    competency_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    evidence_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    supervision_level: Mapped[str] = mapped_column(String(3), primary_key=True)  # "" when none recorded
    status: Mapped[str] = mapped_column(String(12), primary_key=True)  # signed | submitted | draft
    count: Mapped[int] = mapped_column(default=0)


class TraineeProgress(db.Model):
    __table_args__ = (Index("ix_trainee_progress_level", "stage_level", "percent"),)

    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    stage_key: Mapped[str] = mapped_column(String(30), primary_key=True)
    stage_level: Mapped[str] = mapped_column(String(20))
    percent: Mapped[float] = mapped_column(default=0.0)
    competencies_total: Mapped[int] = mapped_column(default=0)
    competencies_complete: Mapped[int] = mapped_column(default=0)
    competencies_in_progress: Mapped[int] = mapped_column(default=0)
    ready_for_signoff: Mapped[bool] = mapped_column(default=False)
    # Closed: a signed HALO on a 2021 stage, the educational supervisor's sign-off on a 2010 one (competencies.halo).
    complete: Mapped[bool] = mapped_column(default=False, server_default="0")
    # After a move between curricula: the percent of the old stage mapped to this one, from the evidence recorded
    # against it. The behind flag reads the greater of the two, so a move never flags a trainee behind by itself.
    carried_percent: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EvidenceWeek(db.Model):
    """A trainee's current entries of one stage counted per trajectory week, type, level and status: the entries
    themselves (competency_code "") and their claims per competency (summaries.evidence_weeks)."""

    __table_args__ = {"sqlite_with_rowid": False}  # read a trainee's stage at a time, in key order: stored in it

    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    stage_level: Mapped[str] = mapped_column(String(20), primary_key=True)
    week_ends_on: Mapped[date] = mapped_column(primary_key=True)  # competencies.trajectory_point_on
    evidence_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    supervision_level: Mapped[str] = mapped_column(String(3), primary_key=True)  # "" when none recorded
    status: Mapped[str] = mapped_column(String(12), primary_key=True)  # the entries' own status
    competency_code: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" for the entries themselves
    count: Mapped[int] = mapped_column(default=0)
