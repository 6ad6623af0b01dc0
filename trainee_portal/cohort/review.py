"""What the read-only trainee review shows: stages, evidence, sign-offs, exams, ARCP outcomes and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import (
    AuditRecord,
    EvidenceEntry,
    ExamAttempt,
    SignOffRequest,
    StageSignOff,
    TraineeProfile,
    TraineeProgress,
)

LIST_LIMIT = 25  # the latest few of each; the full logbook and audit trail have their own paged pages


@dataclass
class Review:
    profile: TraineeProfile
    stages: list
    evidence: list[EvidenceEntry]
    evidence_total: int
    requests: list[SignOffRequest]
    stage_signoffs: list[StageSignOff]
    attempts: list[ExamAttempt]
    audit: list[AuditRecord]
    audit_total: int


def trainee_review(profile: TraineeProfile, with_audit: bool) -> Review:
    curriculum = curricula.curriculum(profile.curriculum_version)
    progress = {
        p.stage_key: p for p in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == profile.user_id))
    }
    stages = [(stage, progress.get(stage.key)) for stage in curriculum.followed_stages(profile.sia_stage_key)]
    current = EvidenceEntry.trainee_id == profile.user_id, EvidenceEntry.superseded_at.is_(None)
    evidence = db.session.scalars(
        select(EvidenceEntry)
        .where(*current)
        .order_by(EvidenceEntry.occurred_on.desc(), EvidenceEntry.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    evidence_total = db.session.scalar(select(func.count()).select_from(EvidenceEntry).where(*current))
    requests = db.session.scalars(
        select(SignOffRequest)
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .where(EvidenceEntry.trainee_id == profile.user_id)
        .options(joinedload(SignOffRequest.evidence), joinedload(SignOffRequest.supervisor))
        .order_by(SignOffRequest.created_at.desc())
        .limit(LIST_LIMIT)
    ).all()
    stage_signoffs = db.session.scalars(
        select(StageSignOff).where(StageSignOff.trainee_id == profile.user_id).options(joinedload(StageSignOff.signed_by))
    ).all()
    attempts = db.session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.trainee_id == profile.user_id)
        .options(joinedload(ExamAttempt.sitting))
        .order_by(ExamAttempt.id)
    ).all()
    attempts = sorted(attempts, key=lambda a: a.sitting.sits_on)
    records, audit_total = [], 0
    if with_audit:
        records = db.session.scalars(
            select(AuditRecord).where(AuditRecord.trainee_id == profile.user_id).order_by(AuditRecord.id.desc()).limit(LIST_LIMIT)
        ).all()
        audit_total = db.session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.trainee_id == profile.user_id)
        )
    return Review(profile, stages, evidence, evidence_total, requests, stage_signoffs, attempts, records, audit_total)
