"""What the exam pages read: a trainee's attempts, sittings, RAPM confirmation, syllabus coverage and
Fellowship summary, and a cohort's pipeline from aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, case, cast, func, literal, not_, null, or_, select, union_all
from sqlalchemy.orm import joinedload

from competencies import Curriculum, flags
from competencies.calendar_days import uk_day
from competencies.exam import (
    PARTS,
    Attempt,
    ExamHistory,
    PartRecord,
    RapmStatus,
    Sitting,
    SittingEligibility,
    advanced_training_reached_on,
    eligible_within,
    mcq_expires_on,
    membership_deadline,
    upcoming_eligibility,
)
from competencies.fellowship import SOE_TIME_MILESTONE, ItemStatus, Projection, fellowship_checklist, project_fellowship
from competencies.training_time import Period
from trainee_portal import curricula, policy
from trainee_portal.exams.forms import uk_today
from trainee_portal.extensions import db
from trainee_portal.models import (
    CurriculumTransition,
    EvidenceCompetency,
    EvidenceEntry,
    EvidenceTally,
    ExamAttempt,
    ExamPrerequisite,
    ExamSitting,
    HaloRequest,
    MockExamScore,
    RapmConfirmation,
    StageSignOff,
    TraineeProfile,
    TraineeProgress,
    TraineeSummary,
    User,
)
from trainee_portal.platform.clock import utcnow_aware
from trainee_portal.platform.pagination import Page, page_of
from trainee_portal.summaries import progress
from trainee_portal.summaries.trainee_summary import WINDOW_FIELDS, prerequisites_status, rapm_status, window_column
from trainee_portal.training_time.queries import core_periods

EXPIRY_WARNING_MONTHS = flags.MCQ_EXPIRY_WARNING_MONTHS.value


def late_attempts_wording() -> str:
    """Which attempts the pipeline lists as late, from the newest curriculum's exam rules and the flag threshold,
    e.g. "attempt 5 or 6 of 6"."""
    rules = curricula.registry().latest().exam
    numbers = [str(n) for n in flags.late_attempt_numbers(rules)]
    listed = " or ".join([", ".join(numbers[:-1]), numbers[-1]] if len(numbers) > 1 else numbers)
    return f"attempt {listed} of {rules.max_attempts_per_part}"


def utc_now() -> datetime:
    return utcnow_aware()


def core_sitting(row: ExamSitting) -> Sitting:
    return Sitting(row.part, row.sits_on, row.opens_on, row.closes_on, row.id)


# The statements a trainee's dashboard and exam pages run on every request, built once and run with the trainee's id.
_SITTINGS = select(ExamSitting).order_by(ExamSitting.sits_on.desc(), ExamSitting.part)
_ATTEMPTS = (
    select(ExamAttempt)
    .options(joinedload(ExamAttempt.sitting), joinedload(ExamAttempt.corrected_by))
    .join(ExamSitting, ExamSitting.id == ExamAttempt.sitting_id)
    .where(ExamAttempt.trainee_id == bindparam("trainee_id"))
    .order_by(ExamSitting.sits_on, ExamSitting.part)
)
_LATEST_RAPM = (
    select(RapmConfirmation)
    .options(joinedload(RapmConfirmation.confirmed_by))
    .where(RapmConfirmation.trainee_id == bindparam("trainee_id"))
    .order_by(RapmConfirmation.id.desc())
    .limit(1)
)


def all_sittings() -> list[ExamSitting]:
    return list(db.session.scalars(_SITTINGS))


def attempts_of(trainee_id: int) -> list[ExamAttempt]:
    return list(db.session.scalars(_ATTEMPTS, {"trainee_id": trainee_id}))


def core_attempts(rows: list[ExamAttempt]) -> list[Attempt]:
    return [Attempt(r.sitting.part, r.sitting.sits_on, r.result, bool((r.extra_training_note or "").strip())) for r in rows]


def latest_rapm(trainee_id: int) -> RapmConfirmation | None:
    return db.session.scalar(_LATEST_RAPM, {"trainee_id": trainee_id})


def latest_prerequisites(trainee_id: int) -> ExamPrerequisite | None:
    return db.session.scalar(
        select(ExamPrerequisite)
        .options(joinedload(ExamPrerequisite.recorded_by), joinedload(ExamPrerequisite.confirmed_by))
        .where(ExamPrerequisite.trainee_id == trainee_id)
        .order_by(ExamPrerequisite.id.desc())
        .limit(1)
    )


def mock_scores(trainee_id: int) -> list[MockExamScore]:
    return list(
        db.session.scalars(
            select(MockExamScore).where(MockExamScore.trainee_id == trainee_id).order_by(MockExamScore.taken_on, MockExamScore.id)
        )
    )


_signoffs = select(
    literal("signoff").label("kind"),
    StageSignOff.curriculum_version.label("curriculum_version"),
    StageSignOff.stage_key.label("stage_key"),
    StageSignOff.stage_level.label("stage_level"),
    StageSignOff.signed_on.label("signed_on"),
    cast(null(), HaloRequest.decided_at.type).label("decided_at"),  # typed: PostgreSQL unites NULL with NULL as text
    cast(null(), CurriculumTransition.effective_on.type).label("effective_on"),
    StageSignOff.id.label("id"),
).where(StageSignOff.trainee_id == bindparam("trainee_id"))
_halos = select(
    literal("halo"), null(), HaloRequest.stage_key, null(), null(), HaloRequest.decided_at, null(), HaloRequest.id
).where(
    HaloRequest.trainee_id == bindparam("trainee_id"),
    HaloRequest.curriculum_version == bindparam("version"),
    HaloRequest.status == "signed",
)
_moves = select(
    literal("move"),
    CurriculumTransition.from_version,
    null(),
    null(),
    null(),
    null(),
    CurriculumTransition.effective_on,
    CurriculumTransition.id,
).where(CurriculumTransition.trainee_id == bindparam("trainee_id"), CurriculumTransition.to_version == bindparam("version"))
_CLOSED_STAGES = union_all(_signoffs, _halos, _moves)  # built once, run with the trainee and version


def signed_off_levels(trainee_id: int, version: str) -> dict[str, date]:
    """Each closed stage level of `version` and the day it closed, in one statement: the trainee's stage sign-offs on
    every version, their signed HALOs on this one, and their moves onto this one.

    A stage is closed by its sign-off on this version; a 2021 stage by its signed HALO (competencies.halo) as well;
    and a stage whose old counterpart was signed off before a move between curricula stays closed
    (progress.carried, from the rows progress.carried_signoffs reads)."""
    rows = db.session.execute(_CLOSED_STAGES, {"trainee_id": trainee_id, "version": version}).all()
    signed = {r.stage_level: r.signed_on for r in rows if r.kind == "signoff" and r.curriculum_version == version}
    curriculum = curricula.curriculum(version)
    keys = {s.key for s in curriculum.stages}
    for r in rows:
        if r.kind == "halo" and r.stage_key in keys:
            signed.setdefault(curriculum.stage(r.stage_key).level, uk_day(r.decided_at))  # the UK day it was signed
    moved = sorted((r for r in rows if r.kind == "move"), key=lambda r: (r.effective_on, r.id))
    old = sorted((r for r in rows if r.kind == "signoff" and r.curriculum_version != version), key=lambda r: r.id)
    for key, row in progress.carried([(m.curriculum_version, version) for m in moved], old, version).items():
        if key in keys:
            signed.setdefault(curriculum.stage(key).level, row.signed_on)
    return signed


def current_percent(profile: TraineeProfile) -> float:
    value = db.session.scalar(
        select(TraineeProgress.percent).where(
            TraineeProgress.trainee_id == profile.user_id, TraineeProgress.stage_level == profile.current_stage
        )
    )
    return value or 0.0


@dataclass(frozen=True)
class Coverage:
    covered: int
    total: int
    timeline: tuple[tuple[date, int], ...]  # (day, competencies covered by then)

    @property
    def percent(self) -> float:
        return round(100 * self.covered / self.total, 1) if self.total else 0.0


def syllabus_coverage(trainee_id: int, curriculum: Curriculum) -> Coverage:
    """Exam-relevant competencies with signed evidence (from the tallies), and when each first got it."""
    codes = sorted(curriculum.exam_relevant_codes())
    covered = (
        db.session.scalar(
            select(func.count(func.distinct(EvidenceTally.competency_code))).where(
                EvidenceTally.trainee_id == trainee_id,
                EvidenceTally.status == "signed",
                EvidenceTally.count > 0,
                EvidenceTally.competency_code.in_(codes),
            )
        )
        or 0
    )
    firsts = db.session.execute(
        select(EvidenceCompetency.competency_code, func.min(EvidenceEntry.occurred_on).label("first"))
        .join(EvidenceEntry, EvidenceEntry.id == EvidenceCompetency.evidence_id)
        .where(
            EvidenceEntry.trainee_id == trainee_id,
            EvidenceEntry.status == "signed",
            EvidenceEntry.superseded_at.is_(None),
            EvidenceCompetency.competency_code.in_(codes),
        )
        .group_by(EvidenceCompetency.competency_code)
    ).all()
    timeline = []
    for running, day in enumerate(sorted(r.first for r in firsts), start=1):
        if timeline and timeline[-1][0] == day:
            timeline[-1] = (day, running)
        else:
            timeline.append((day, running))
    return Coverage(covered, len(codes), tuple(timeline))


@dataclass(frozen=True)
class FellowshipSummary:
    curriculum: Curriculum
    items: tuple[ItemStatus, ...]
    projection: Projection
    trainee_id: int
    periods: tuple[Period, ...] = ()  # LTFT, leave and OOP periods the projection counted


def fellowship_summary(
    profile: TraineeProfile,
    attempts: list[Attempt] | None = None,
    rapm: RapmStatus | None = None,
    sittings: list[Sitting] | None = None,
    periods: tuple[Period, ...] | None = None,
    percent: float | None = None,
) -> FellowshipSummary:
    """The Fellowship checklist and projected date for one trainee; dashboards call this directly, with the training
    periods and the current stage's percent when they have read them already."""
    curriculum = curricula.curriculum(profile.curriculum_version)
    periods = core_periods(profile.user_id) if periods is None else periods
    if attempts is None:
        attempts = core_attempts(attempts_of(profile.user_id))
        rapm = rapm_status(latest_rapm(profile.user_id), periods)
    if sittings is None:
        sittings = [core_sitting(s) for s in all_sittings()]
    history = ExamHistory.from_attempts(attempts)
    signed = signed_off_levels(profile.user_id, profile.curriculum_version)
    today = uk_today()
    followed = curriculum.stage_for_level("advanced", profile.sia_stage_key)
    items = fellowship_checklist(curriculum, history, signed.get("advanced"), today, followed.key)
    projection = project_fellowship(
        curriculum,
        current_level=profile.current_stage,
        stage_started_on=profile.stage_started_on,
        current_percent=current_percent(profile) if percent is None else percent,
        signed_off=signed,
        history=history,
        sittings=sittings,
        rapm=rapm,
        today=today,
        now=utc_now(),
        periods=periods,
    )
    return FellowshipSummary(curriculum, items, projection, profile.user_id, periods)


@dataclass(frozen=True)
class Readiness:
    profile: TraineeProfile
    curriculum: Curriculum
    attempt_rows: list
    attempt_numbers: dict
    history: ExamHistory
    rapm: RapmConfirmation | None
    prerequisites: ExamPrerequisite | None
    upcoming: list[SittingEligibility]
    coverage: Coverage
    mocks: list
    fellowship: FellowshipSummary

    @property
    def next_open(self) -> SittingEligibility | None:
        return next((e for e in self.upcoming if e.eligible), None)

    @property
    def membership_deadlines(self) -> list[tuple[Sitting, date]]:
        """Per upcoming sitting still needed, the last day to apply for FPM membership."""
        days = ((e.sitting, membership_deadline(self.curriculum.exam, e.sitting)) for e in self.upcoming if e.needed)
        return [(sitting, day) for sitting, day in days if day is not None]

    @property
    def mcq_expires_on(self) -> date | None:
        passed = self.history.mcq.passed_on
        return mcq_expires_on(self.curriculum.exam, passed) if passed else None

    @property
    def soe_time_on(self) -> tuple[date | None, bool]:
        """(the day the SOE's months of advanced/SIA training time are complete, whether it is projected): from the
        RAPM-confirmed start, else the projection's; None when neither gives one."""
        rules = self.curriculum.exam
        if self.rapm is not None:
            return advanced_training_reached_on(rules, self.rapm.advanced_training_started_on, self.fellowship.periods), False
        label = SOE_TIME_MILESTONE.format(months=rules.soe_min_advanced_months)
        return next((d for name, d in self.fellowship.projection.milestones if name == label), None), True


def readiness(profile: TraineeProfile) -> Readiness:
    curriculum = curricula.curriculum(profile.curriculum_version)
    rows = attempts_of(profile.user_id)
    attempts = core_attempts(rows)
    numbers, seen = {}, {"MCQ": 0, "SOE": 0}
    for row in rows:
        seen[row.sitting.part] += 1
        numbers[row.id] = seen[row.sitting.part]
    rapm_row = latest_rapm(profile.user_id)
    rapm = rapm_status(rapm_row, core_periods(profile.user_id))
    sittings = [core_sitting(s) for s in all_sittings()]
    history = ExamHistory.from_attempts(attempts)
    prerequisites = latest_prerequisites(profile.user_id)
    upcoming = upcoming_eligibility(curriculum.exam, history, sittings, rapm, utc_now(), prerequisites_status(prerequisites))
    return Readiness(
        profile=profile,
        curriculum=curriculum,
        attempt_rows=rows,
        attempt_numbers=numbers,
        history=history,
        rapm=rapm_row,
        prerequisites=prerequisites,
        upcoming=upcoming,
        coverage=syllabus_coverage(profile.user_id, curriculum),
        mocks=mock_scores(profile.user_id),
        fellowship=fellowship_summary(profile, attempts, rapm, sittings),
    )


# --- the directors' pipeline -------------------------------------------------------------------

PIPELINE_PAGE_SIZE = 50


@dataclass(frozen=True)
class NextSitting:
    """The first sitting still open to applications that a trainee may apply for, and their attempt there."""

    sitting: Sitting
    attempt_number: int
    needs_extra_training: bool


@dataclass(frozen=True)
class PipelineRow:
    trainee_id: int
    name: str
    stage: str
    history: ExamHistory
    rapm_confirmed_on: date | None
    mcq_expires_on: date | None
    next_eligible: NextSitting | None


def open_sittings(now: datetime) -> list[Sitting]:
    """The sittings whose application window has not closed, soonest closing first (as upcoming_eligibility)."""
    sittings = (core_sitting(s) for s in all_sittings())
    return sorted((s for s in sittings if s.window_state(now) != "closed"), key=lambda s: (s.closes_on, s.sits_on))


def _stored_window(part: str) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(TraineeSummary, window_column(part, name)) for name in WINDOW_FIELDS})


def _next_sitting(sittings: list[Sitting]):
    """SQL: the place in `sittings` of the first one the trainee may apply for (the core's eligible_within over their
    stored windows), NULL when none."""
    whens = [
        (eligible_within(_stored_window(s.part), s.sits_on, s.closes_on, both=and_, either=or_), index)
        for index, s in enumerate(sittings)
    ]
    return case(*whens, else_=null()) if whens else null()


def _done(part: str, today: date):
    """SQL: the trainee needs no more attempts at the part today: the SOE passed, or (the MCQ) a pass still valid."""
    soe_passed = TraineeSummary.soe_passed_on.is_not(None)
    if part == "SOE":
        return soe_passed
    valid = and_(
        TraineeSummary.mcq_passed_on.is_not(None), TraineeSummary.mcq_passed_on <= today, TraineeSummary.mcq_expires_on > today
    )
    return or_(soe_passed, valid)


def _late(part: str, today: date):
    """SQL: the trainee's next attempt at the part is one of its last (or none is left), and they still need it."""
    prefix = part.lower()
    warned = or_(getattr(TraineeSummary, f"{prefix}_late"), getattr(TraineeSummary, f"{prefix}_none_left"))
    return and_(warned, not_(_done(part, today)))


def _expiring(today: date):
    """SQL: flags.mcq_expiring over the stored expiry (the SOE not yet passed)."""
    expires = TraineeSummary.mcq_expires_on
    return and_(
        expires.is_not(None),
        TraineeSummary.soe_passed_on.is_(None),
        expires >= today,
        expires < flags.mcq_expiry_warned_before(today),
    )


def _people(user, next_index):
    """Every trainee the user may see with their summary columns (no summary yet: nothing recorded)."""
    query = (
        select(
            TraineeProfile.user_id.label("trainee_id"),
            User.name,
            TraineeProfile.current_stage,
            func.coalesce(TraineeSummary.mcq_attempts, 0).label("mcq_attempts"),
            func.coalesce(TraineeSummary.soe_attempts, 0).label("soe_attempts"),
            TraineeSummary.mcq_passed_on,
            TraineeSummary.soe_passed_on,
            TraineeSummary.mcq_expires_on,
            TraineeSummary.rapm_confirmed_on,
            TraineeSummary.mcq_extra_training,
            TraineeSummary.soe_extra_training,
            next_index.label("next_index"),
        )
        .select_from(TraineeProfile)
        .join(User, User.id == TraineeProfile.user_id)
        .outerjoin(TraineeSummary, TraineeSummary.trainee_id == TraineeProfile.user_id)
    )
    visible = policy.visible_trainee_ids(user)
    return query if visible is None else query.where(TraineeProfile.user_id.in_(visible))


def _pipeline_row(raw, sittings: list[Sitting]) -> PipelineRow:
    history = ExamHistory(PartRecord(raw.mcq_attempts, raw.mcq_passed_on), PartRecord(raw.soe_attempts, raw.soe_passed_on))
    following = None
    if raw.next_index is not None:
        sitting = sittings[raw.next_index]
        extra = raw.mcq_extra_training if sitting.part == "MCQ" else raw.soe_extra_training
        following = NextSitting(sitting, history.part(sitting.part).attempts + 1, bool(extra))
    return PipelineRow(raw.trainee_id, raw.name, raw.current_stage, history, raw.rapm_confirmed_on, raw.mcq_expires_on, following)


def _late_flag(raw) -> str:
    part = raw.part.lower()
    used = raw.mcq_attempts if raw.part == "MCQ" else raw.soe_attempts
    return f"{part}_attempt_{used + 1}" if raw.late else f"{part}_no_attempts_left"


def pipeline_lists(user) -> dict[str, Page]:
    """The pipeline's four lists, each paged on its own ?<name>_page=: every trainee the user may see with their exam
    position, those eligible for an upcoming sitting, those whose MCQ pass expires soon, and (row, flag) pairs, one per
    part on its last attempts. Read from the trainees' summary rows, compared with today and the open sittings in
    SQL: the counts in one query, then one query a page, whatever the cohort's size."""
    now, today = utc_now(), uk_today()
    sittings = open_sittings(now)
    next_index = _next_sitting(sittings)
    base = _people(user, next_index)
    late_parts = {part: _late(part, today) for part in PARTS}
    counted = base.with_only_columns(
        func.count(),
        func.count(next_index),
        func.coalesce(func.sum(case((_expiring(today), 1), else_=0)), 0),
        *(func.coalesce(func.sum(case((late, 1), else_=0)), 0) for late in late_parts.values()),
    )
    everyone, eligible, expiring, *late_counts = db.session.execute(counted).one()
    by_name = (User.name, TraineeProfile.user_id)

    def rows(query):
        return lambda offset, limit: [
            _pipeline_row(r, sittings) for r in db.session.execute(query.order_by(*by_name).limit(limit).offset(offset))
        ]

    late = union_all(
        *(
            base.add_columns(
                literal(order).label("part_order"),
                literal(part).label("part"),
                getattr(TraineeSummary, f"{part.lower()}_late").label("late"),
            ).where(condition)
            for order, (part, condition) in enumerate(late_parts.items())
        )
    ).subquery("late")

    def late_pairs(offset, limit):
        query = select(late).order_by(late.c.name, late.c.trainee_id, late.c.part_order).limit(limit).offset(offset)
        return [(_pipeline_row(r, sittings), _late_flag(r)) for r in db.session.execute(query)]

    size = PIPELINE_PAGE_SIZE
    return {
        "eligible": page_of(eligible, size, rows(base.where(next_index.is_not(None))), "eligible_page"),
        "expiring": page_of(expiring, size, rows(base.where(_expiring(today))), "expiring_page"),
        "late": page_of(sum(late_counts), size, late_pairs, "late_page"),
        "everyone": page_of(everyone, size, rows(base), "everyone_page"),
    }
