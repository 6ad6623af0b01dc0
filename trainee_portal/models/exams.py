"""FFPMRCA sittings, a trainee's attempts, the RAPM confirmation that unlocks the SOE, and mock exam scores."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class ExamSitting(db.Model):
    __table_args__ = (
        CheckConstraint("part IN ('MCQ','SOE')", name="known_part"),
        CheckConstraint("opens_on <= closes_on", name="window_order"),
        UniqueConstraint("part", "sits_on", name="uq_exam_sitting_part_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part: Mapped[str] = mapped_column(String(3))
    sits_on: Mapped[date]
    opens_on: Mapped[date]  # applications open at 09:00 on this date
    closes_on: Mapped[date]  # and close at 17:00 on this one
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExamAttempt(db.Model):
    __table_args__ = (
        CheckConstraint("result IN ('pass','fail')", name="known_result"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_percent"),
        UniqueConstraint("trainee_id", "sitting_id", name="uq_exam_attempt_trainee_sitting"),
        Index("ix_exam_attempt_trainee", "trainee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"))
    result: Mapped[str] = mapped_column(String(4))
    score: Mapped[float | None]
    extra_training_note: Mapped[str | None] = mapped_column(Text)  # evidence of additional training before a sixth attempt
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sitting: Mapped[ExamSitting] = relationship()
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    corrected_by = relationship("User", foreign_keys=[corrected_by_id])


class RapmConfirmation(db.Model):
    """The Regional Advisor's confirmation that Stage 3 pain is complete and enough advanced/SIA time is done."""

    __table_args__ = (Index("ix_rapm_confirmation_trainee", "trainee_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    confirmed_on: Mapped[date]
    stage3_pain_complete: Mapped[bool] = mapped_column(default=True)
    advanced_training_started_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])


class MockExamScore(db.Model):
    __table_args__ = (
        Index("ix_mock_exam_score_trainee", "trainee_id"),
        CheckConstraint("part IN ('MCQ','SOE')", name="known_part"),
        CheckConstraint("score_percent >= 0 AND score_percent <= 100", name="score_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    part: Mapped[str] = mapped_column(String(3))
    taken_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(120))
    score_percent: Mapped[float]


class ExamPrerequisite(db.Model):
    """What a trainee (or a director) recorded of the prerequisites to apply for the exam: GMC registration and
    FPM membership. The latest row counts; a director in scope may confirm it."""

    __table_args__ = (
        Index("ix_exam_prerequisite_trainee", "trainee_id", "id"),
        CheckConstraint("fpm_status IN ('none','applied','member')", name="known_fpm_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    gmc_registered_on: Mapped[date | None]
    fpm_status: Mapped[str] = mapped_column(String(8), default="none")
    fpm_applied_on: Mapped[date | None]
    fpm_member_since: Mapped[date | None]
    good_standing: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
