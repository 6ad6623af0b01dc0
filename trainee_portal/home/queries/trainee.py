"""The trainee's home: what is next. The current stage with one progress measure (competencies complete) and the
evidence behind it named for what it counts, what waits on others, what came back to them, the next exam sitting
they need and their next ARCP panel, and the other stages in brief.

Every list is bounded and read from summaries or indexed per-trainee rows: the number of statements does not grow
with the trainee's evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from competencies import STAGE_LEVELS, flags, halo, lifecycle, msf, stage_progress
from competencies.exam import ExamHistory, next_needed, upcoming_eligibility
from trainee_portal import curricula
from trainee_portal.exams import queries as exam_queries
from trainee_portal.extensions import db
from trainee_portal.models import (
    ArcpPanel,
    ArcpPanelTrainee,
    EvidenceEntry,
    ExamSitting,
    HaloRequest,
    MsfRater,
    MsfResponse,
    MsfRound,
    SignOff,
    SignOffRequest,
    TraineeProgress,
    User,
)
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.summaries import progress as summaries
from trainee_portal.training_time.queries import core_periods

# How many rows each list on the home page shows; its count links to the whole list.
SHOWN = 5
PANELS_SHOWN = 3


def trainee_home(user) -> dict:
    profile = user.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    today, now = uk_today(), utcnow()
    rows = {p.stage_key: p for p in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == user.id))}
    current = _current_stage(profile, curriculum, rows)
    return {
        "profile": profile,
        "curriculum": curriculum,
        "current": current,
        "stages": [s for s in _stages(profile, curriculum, rows) if s.level != profile.current_stage],
        "waiting": _waiting(user.id, curriculum, now),
        "returned": _returned(user.id, curriculum),
        "exam": _next_exam(profile, curriculum, now),
        "panels": _panels(user.id, today),
        "today": today,
        "overdue_title": flags.FLAG_TITLES["waiting"],  # the cohort flag's words for a sign-off waiting too long
        "overdue_days": flags.SIGNOFF_WAIT_DAYS.value,
        "overdue_origin": flags.SIGNOFF_WAIT_DAYS.provenance,
        "quick_log": QUICK_LOG,
    }


# One tap from home to the evidence form with the kind chosen, for the kinds trainees log most.
QUICK_LOG = (
    ("logbook.clinic", "Log a clinic"),
    ("logbook.procedure", "Log a procedure"),
    ("logbook.ward_round", "Log a ward round"),
    ("reflection", "Write a reflection"),
)


# --- the stages -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentStage:
    stage: object  # competencies.Stage
    result: object  # competencies.StageProgress: competencies and the required evidence behind them
    closed: bool  # closed by its signed HALO (2021) or the educational supervisor's sign-off (2010)
    closes_by_halo: bool

    @property
    def percent(self) -> float:
        return self.result.competency_percent


def _current_stage(profile, curriculum, rows: dict) -> CurrentStage:
    """The stage the trainee is in, counted as its stage page counts it (the tallies, the region's local rules)."""
    stage = curriculum.stage_for_level(profile.current_stage, profile.sia_stage_key)
    counts = summaries.trainee_counts(profile.user_id, [c.code for c in stage.competencies])
    result = stage_progress(curriculum, stage.key, counts, curricula.trainee_rules(profile))
    row = rows.get(stage.key)
    return CurrentStage(stage, result, bool(row and row.complete), halo.closes_by_halo(curriculum))


@dataclass(frozen=True)
class StageLine:
    level: str
    name: str
    complete: int
    total: int
    closed: bool
    current: bool


def _stages(profile, curriculum, rows: dict) -> list[StageLine]:
    """Each stage the trainee follows, from the progress summary; an SIA slot still to choose says so."""
    lines = []
    for level in STAGE_LEVELS:
        stage = curriculum.stage_for_level(level, profile.sia_stage_key)
        choosing = len(curriculum.stages_at(level)) > 1 and not profile.sia_stage_key
        row = rows.get(stage.key)
        lines.append(
            StageLine(
                level,
                "SIA (not chosen yet)" if choosing else stage.name,
                row.competencies_complete if row else 0,
                row.competencies_total if row else len(stage.competencies),
                bool(row and row.complete),
                level == profile.current_stage,
            )
        )
    return lines


# --- waiting on others ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    name: str
    outside_assessor: bool
    count: int
    oldest: datetime
    overdue: bool  # the oldest has waited longer than flags.SIGNOFF_WAIT_DAYS


@dataclass(frozen=True)
class Waiting:
    awaiting_signoff: int  # current entries awaiting sign-off (the logbook's "Awaiting sign-off" filter)
    recipients: list[Recipient]  # pending requests by whom they wait on, oldest wait first
    more_recipients: bool
    unconfirmed: int  # signed by an outside assessor, awaiting the educational supervisor's confirmation
    halo_requests: list[tuple[HaloRequest, str]]  # (request, stage name)
    msf_rounds: list[tuple[MsfRound, int, int]]  # (round, raters nominated, responses)

    @property
    def oldest(self) -> Recipient | None:
        return min(self.recipients, key=lambda r: r.oldest) if self.recipients else None

    @property
    def empty(self) -> bool:
        return not (self.awaiting_signoff or self.recipients or self.halo_requests or self.msf_rounds)


def _current_entries(trainee_id: int, status: str):
    return and_(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.status == status, EvidenceEntry.superseded_at.is_(None))


def _waiting(trainee_id: int, curriculum, now: datetime) -> Waiting:
    awaiting = db.session.scalar(
        select(func.count()).select_from(EvidenceEntry).where(_current_entries(trainee_id, lifecycle.SUBMITTED))
    )
    supervisor = aliased(User)
    grouped = db.session.execute(
        select(
            SignOffRequest.supervisor_id,
            SignOffRequest.assessor_email,
            supervisor.name,
            func.count().label("n"),
            func.min(SignOffRequest.created_at).label("oldest"),
        )
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .outerjoin(supervisor, supervisor.id == SignOffRequest.supervisor_id)
        .where(SignOffRequest.status == "pending", _current_entries(trainee_id, lifecycle.SUBMITTED))
        .group_by(SignOffRequest.supervisor_id, SignOffRequest.assessor_email, supervisor.name)
        .order_by(func.min(SignOffRequest.created_at))
        .limit(SHOWN + 1)
    ).all()
    overdue_before = flags.signoff_overdue_cutoff(now)
    recipients = [
        Recipient(name or email, name is None, n, oldest, oldest < overdue_before)
        for _, email, name, n, oldest in grouped[:SHOWN]
    ]
    unconfirmed = db.session.scalar(
        select(func.count())
        .select_from(SignOff)
        .join(EvidenceEntry, EvidenceEntry.id == SignOff.evidence_id)
        .where(SignOff.assurance == "unconfirmed", SignOff.voided_at.is_(None), _current_entries(trainee_id, lifecycle.SUBMITTED))
    )
    halos = db.session.scalars(
        select(HaloRequest)
        .where(HaloRequest.trainee_id == trainee_id, HaloRequest.status == halo.REQUESTED)
        .order_by(HaloRequest.created_at)
        .limit(SHOWN)
    ).all()
    rounds = db.session.scalars(
        select(MsfRound)
        .where(MsfRound.trainee_id == trainee_id, MsfRound.status == msf.COLLECTING)
        .order_by(MsfRound.created_at)
        .limit(SHOWN)
    ).all()
    counts = _msf_counts([r.id for r in rounds])
    return Waiting(
        awaiting_signoff=awaiting or 0,
        recipients=recipients,
        more_recipients=len(grouped) > SHOWN,
        unconfirmed=unconfirmed or 0,
        halo_requests=[(r, _stage_name(r.curriculum_version, r.stage_key)) for r in halos],
        msf_rounds=[(r, *counts.get(r.id, (0, 0))) for r in rounds],
    )


def _msf_counts(round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(raters nominated, responses) per round, in one statement."""
    if not round_ids:
        return {}
    nominated = select(func.count()).where(MsfRater.round_id == MsfRound.id).scalar_subquery()
    answered = select(func.count()).where(MsfResponse.round_id == MsfRound.id).scalar_subquery()
    rows = db.session.execute(select(MsfRound.id, nominated, answered).where(MsfRound.id.in_(round_ids)))
    return {round_id: (n or 0, a or 0) for round_id, n, a in rows}


def _stage_name(version: str, stage_key: str) -> str:
    """A stage's name in its own curriculum, from its key."""
    try:
        return curricula.curriculum(version).stage(stage_key).name
    except KeyError:
        return stage_key


# --- returned to them -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnedEntry:
    entry: EvidenceEntry
    kind: str | None  # "returned" (a signer returned it) or "declined" (an outside assessor's signature not confirmed)
    who: str | None  # who returned it, or whose signature was declined
    on: datetime | None
    reason: str


@dataclass(frozen=True)
class Returned:
    count: int  # current entries returned (the logbook's "Returned" filter)
    entries: list[ReturnedEntry]  # the latest SHOWN of them
    halo_requests: list[tuple[HaloRequest, str, str | None]]  # returned, not asked again since: (request, stage, by)

    @property
    def empty(self) -> bool:
        return not (self.count or self.halo_requests)


def _returned(trainee_id: int, curriculum) -> Returned:
    count = db.session.scalar(
        select(func.count()).select_from(EvidenceEntry).where(_current_entries(trainee_id, lifecycle.RETURNED))
    )
    entries = db.session.scalars(
        select(EvidenceEntry)
        .where(_current_entries(trainee_id, lifecycle.RETURNED))
        .order_by(EvidenceEntry.updated_at.desc(), EvidenceEntry.id.desc())
        .limit(SHOWN)
    ).all()
    reasons = _return_reasons([e.id for e in entries])
    later = aliased(HaloRequest)
    halos = db.session.execute(
        select(HaloRequest, User.name)
        .outerjoin(User, User.id == HaloRequest.decided_by_id)
        .where(
            HaloRequest.trainee_id == trainee_id,
            HaloRequest.status == halo.RETURNED,
            ~select(later.id)
            .where(
                later.trainee_id == HaloRequest.trainee_id,
                later.curriculum_version == HaloRequest.curriculum_version,
                later.stage_key == HaloRequest.stage_key,
                later.id > HaloRequest.id,
            )
            .exists(),
        )
        .order_by(HaloRequest.decided_at.desc())
        .limit(SHOWN)
    ).all()
    return Returned(
        count=count or 0,
        entries=[ReturnedEntry(e, *reasons.get(e.id, (None, None, None, ""))) for e in entries],
        halo_requests=[(r, _stage_name(r.curriculum_version, r.stage_key), name) for r, name in halos],
    )


def _return_reasons(entry_ids: list[int]) -> dict[int, tuple[str, str | None, datetime | None, str]]:
    """For each entry, the latest reason it came back, as (kind, who, when, reason): a request returned with a reason
    ("returned"), or a signature made void, such as an outside assessor's the educational supervisor did not confirm
    ("declined")."""
    if not entry_ids:
        return {}
    returned = db.session.execute(
        select(
            SignOffRequest.evidence_id,
            User.name,
            SignOffRequest.assessor_email,
            SignOffRequest.decided_at,
            SignOffRequest.return_reason,
        )
        .outerjoin(User, User.id == SignOffRequest.decided_by_id)
        .where(SignOffRequest.evidence_id.in_(entry_ids), SignOffRequest.status == "returned")
    ).all()
    voided = db.session.execute(
        select(SignOff.evidence_id, SignOff.assessor_name, User.name, SignOff.voided_at, SignOff.void_reason)
        .outerjoin(User, User.id == SignOff.signer_id)
        .where(SignOff.evidence_id.in_(entry_ids), SignOff.voided_at.is_not(None))
    ).all()
    candidates = [
        (evidence_id, "returned", name or (f"{email} (outside assessor)" if email else None), on, reason)
        for evidence_id, name, email, on, reason in returned
    ]
    candidates += [
        (evidence_id, "declined", assessor or signer, on, reason) for evidence_id, assessor, signer, on, reason in voided
    ]
    found: dict[int, tuple[str, str | None, datetime | None, str]] = {}
    for evidence_id, kind, who, on, reason in sorted(candidates, key=lambda c: c[3] or datetime.min):
        found[evidence_id] = (kind, who, on, reason or "")
    return found


# --- coming up --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextExam:
    eligibility: object | None  # competencies.exam.SittingEligibility: the sitting, its window and checks
    passed_on: date | None  # the SOE passed: the examination is complete

    @property
    def blocking(self) -> list:
        return [c for c in self.eligibility.checks if c.blocks] if self.eligibility else []


def _next_exam(profile, curriculum, now: datetime) -> NextExam:
    """The next FFPMRCA sitting of a part the trainee still needs (competencies.exam.next_needed), from the sittings
    whose application window has not closed."""
    attempts = exam_queries.core_attempts(exam_queries.attempts_of(profile.user_id))
    history = ExamHistory.from_attempts(attempts)
    if history.soe.passed_on is not None:
        return NextExam(None, history.soe.passed_on)
    sittings = db.session.scalars(
        select(ExamSitting)
        .where(ExamSitting.closes_on >= now.date())
        .order_by(ExamSitting.closes_on, ExamSitting.sits_on)
        .limit(20)
    ).all()
    rapm = exam_queries.rapm_status(exam_queries.latest_rapm(profile.user_id), core_periods(profile.user_id))
    prerequisites = exam_queries.prerequisites_status(exam_queries.latest_prerequisites(profile.user_id))
    upcoming = upcoming_eligibility(
        curriculum.exam, history, [exam_queries.core_sitting(s) for s in sittings], rapm, now, prerequisites
    )
    return NextExam(next_needed(upcoming), None)


def _panels(trainee_id: int, today: date) -> list[tuple[ArcpPanel, ArcpPanelTrainee]]:
    """The trainee's own places on ARCP panels not cancelled and not yet met, soonest first."""
    return [
        (panel, row)
        for panel, row in db.session.execute(
            select(ArcpPanel, ArcpPanelTrainee)
            .join(ArcpPanelTrainee, ArcpPanelTrainee.panel_id == ArcpPanel.id)
            .where(ArcpPanelTrainee.trainee_id == trainee_id, ArcpPanel.cancelled_at.is_(None), ArcpPanel.panel_date >= today)
            .order_by(ArcpPanel.panel_date, ArcpPanel.id)
            .limit(PANELS_SHOWN)
        )
    ]
