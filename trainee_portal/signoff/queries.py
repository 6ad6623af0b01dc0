"""Reads the sign-off pages share, with their eager loading chosen here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from competencies import calendar_days
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.models import (
    AuditRecord,
    EvidenceEntry,
    SignOff,
    SignOffRequest,
    StageSignOff,
    SupervisorAssignment,
    TraineeProfile,
    TraineeProgress,
    User,
)

# Loader options for a request, or a signature, with its evidence and that evidence's trainee (and the supervisor).
REQUEST_WITH_EVIDENCE = (
    joinedload(SignOffRequest.evidence).joinedload(EvidenceEntry.trainee),
    joinedload(SignOffRequest.supervisor),
)
SIGNATURE_WITH_EVIDENCE = (joinedload(SignOff.evidence).joinedload(EvidenceEntry.trainee), joinedload(SignOff.request))


@dataclass(frozen=True)
class QueueItem:
    request: SignOffRequest
    waiting_days: int


def queue_for(supervisor: User, today: date) -> list[QueueItem]:
    """Pending requests to this supervisor from trainees they currently supervise, oldest first."""
    rows = db.session.scalars(
        select(SignOffRequest)
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .where(
            SignOffRequest.supervisor_id == supervisor.id,
            SignOffRequest.status == "pending",
            EvidenceEntry.trainee_id.in_(policy.supervised_trainee_ids(supervisor.id, on=today)),
        )
        .options(*REQUEST_WITH_EVIDENCE)
        .order_by(SignOffRequest.created_at, SignOffRequest.id)
    ).all()
    return [QueueItem(r, calendar_days.days_since(r.created_at, today)) for r in rows]


@dataclass(frozen=True)
class QueueRow:
    """One pending request as the sign-off queue page lists it."""

    request_id: int
    created_at: datetime
    trainee_name: str
    title: str
    evidence_type: str
    occurred_on: date
    waiting_days: int


def queue_rows(supervisor: User, today: date) -> list[QueueRow]:
    """The queue page's rows (queue_for's requests) in one query of the columns it shows, however many there are."""
    rows = db.session.execute(
        select(
            SignOffRequest.id,
            SignOffRequest.created_at,
            User.name,
            EvidenceEntry.title,
            EvidenceEntry.evidence_type,
            EvidenceEntry.occurred_on,
        )
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .join(User, User.id == EvidenceEntry.trainee_id)
        .where(
            SignOffRequest.supervisor_id == supervisor.id,
            SignOffRequest.status == "pending",
            EvidenceEntry.trainee_id.in_(policy.supervised_trainee_ids(supervisor.id, on=today)),
        )
        .order_by(SignOffRequest.created_at, SignOffRequest.id)
    )
    return [QueueRow(*row, calendar_days.days_since(row.created_at, today)) for row in rows]


@dataclass(frozen=True)
class SignatureToConfirm:
    """An outside assessor's signature waiting for the educational supervisor, as the queue page lists it."""

    request_id: int
    trainee_name: str
    title: str
    assessor_name: str | None
    assessor_email: str | None
    signed_at: datetime


def awaiting_confirmation_rows(supervisor: User, today: date) -> list[SignatureToConfirm]:
    """Outside assessors' signatures nobody has vouched for yet, on current evidence of trainees this user
    educationally supervises, oldest first: one query of the columns the queue page shows."""
    rows = db.session.execute(
        select(
            SignOff.request_id, User.name, EvidenceEntry.title, SignOff.assessor_name, SignOff.assessor_email, SignOff.signed_at
        )
        .join(EvidenceEntry, EvidenceEntry.id == SignOff.evidence_id)
        .join(User, User.id == EvidenceEntry.trainee_id)
        .where(
            SignOff.assurance == "unconfirmed",
            SignOff.voided_at.is_(None),
            EvidenceEntry.superseded_at.is_(None),
            EvidenceEntry.status == "submitted",
            EvidenceEntry.trainee_id != supervisor.id,
            EvidenceEntry.trainee_id.in_(policy.supervised_trainee_ids(supervisor.id, on=today, kind="educational")),
        )
        .order_by(SignOff.signed_at, SignOff.id)
    )
    return [SignatureToConfirm(*row) for row in rows]


def requests_for_trainee(trainee_id: int, limit: int = 200) -> list[SignOffRequest]:
    return list(
        db.session.scalars(
            select(SignOffRequest)
            .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
            .where(EvidenceEntry.trainee_id == trainee_id)
            .options(*REQUEST_WITH_EVIDENCE)
            .order_by(SignOffRequest.created_at.desc(), SignOffRequest.id.desc())
            .limit(limit)
        )
    )


def history_for_evidence(evidence_id: int) -> list[tuple[SignOffRequest, SignOff | None]]:
    """Every request for one evidence item, newest first, with the signature it produced (the evidence page shows this)."""
    requests = db.session.scalars(
        select(SignOffRequest)
        .where(SignOffRequest.evidence_id == evidence_id)
        .options(joinedload(SignOffRequest.supervisor))
        .order_by(SignOffRequest.created_at.desc(), SignOffRequest.id.desc())
    ).all()
    signoffs = {
        s.request_id: s
        for s in db.session.scalars(select(SignOff).where(SignOff.evidence_id == evidence_id).options(joinedload(SignOff.signer)))
    }
    return [(r, signoffs.get(r.id)) for r in requests]


def signoff_for_request(request_id: int) -> SignOff | None:
    return db.session.scalar(select(SignOff).where(SignOff.request_id == request_id).options(joinedload(SignOff.signer)))


def current_supervisors(trainee_id: int, today: date, kind: str | None = None) -> list[tuple[User, str]]:
    """(supervisor, kind) for every current assignment of this trainee (optionally of one kind), by name."""
    query = (
        select(User, SupervisorAssignment.kind)
        .join(SupervisorAssignment, SupervisorAssignment.supervisor_id == User.id)
        .where(SupervisorAssignment.trainee_id == trainee_id, policy.current_assignment(today), User.active.is_(True))
        .order_by(User.name)
    )
    rows = db.session.execute(query.where(SupervisorAssignment.kind == kind) if kind else query).all()
    seen, result = set(), []
    for user, kind in rows:
        if user.id not in seen and policy.is_supervisor(user):
            seen.add(user.id)
            result.append((user, kind))
    return result


def claimed_competencies(entry: EvidenceEntry) -> list[tuple[str, str]]:
    """(code, title) of each competency the entry claims, titles from the trainee's curriculum."""
    profile = db.session.get(TraineeProfile, entry.trainee_id)
    curriculum = curricula.curriculum(profile.curriculum_version) if profile else None
    result = []
    for code in entry.competency_codes:
        try:
            title = curriculum.competency(code).title if curriculum else ""
        except KeyError:
            title = ""
        result.append((code, title))
    return result


@dataclass(frozen=True)
class ReadyStage:
    trainee_id: int
    trainee_name: str
    stage_key: str
    stage_name: str
    percent: float


def stages_ready_for(supervisor: User, today: date) -> list[ReadyStage]:
    """Stages of trainees this user educationally supervises that the core says are complete and nobody has closed."""
    signed = (
        select(StageSignOff.id)
        .where(StageSignOff.trainee_id == TraineeProgress.trainee_id, StageSignOff.stage_key == TraineeProgress.stage_key)
        .exists()
    )
    rows = db.session.execute(
        select(User.id, User.name, TraineeProgress.stage_key, TraineeProfile.curriculum_version, TraineeProgress.percent)
        .join(User, User.id == TraineeProgress.trainee_id)
        .join(TraineeProfile, TraineeProfile.user_id == User.id)
        .where(
            TraineeProgress.trainee_id.in_(policy.supervised_trainee_ids(supervisor.id, on=today, kind="educational")),
            TraineeProgress.ready_for_signoff.is_(True),
            ~signed,
        )
        .order_by(User.name, TraineeProgress.stage_key)
    ).all()
    return [
        ReadyStage(trainee_id, name, key, curricula.curriculum(version).stage(key).name, percent)
        for trainee_id, name, key, version, percent in rows
    ]


def stage_signoffs_for(trainee_id: int) -> list[StageSignOff]:
    return list(
        db.session.scalars(
            select(StageSignOff)
            .where(StageSignOff.trainee_id == trainee_id)
            .options(joinedload(StageSignOff.signed_by))
            .order_by(StageSignOff.signed_on)
        )
    )


def audit_records(trainee_id: int) -> Select:
    """A trainee's audit records, newest first (the audit trail pages through it)."""
    return (
        select(AuditRecord)
        .where(AuditRecord.trainee_id == trainee_id)
        .options(selectinload(AuditRecord.actor))
        .order_by(AuditRecord.id.desc())
    )
