"""What the exam pages read: a trainee's attempts, sittings, RAPM confirmation, syllabus coverage and
Fellowship summary, and a cohort's pipeline from aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from competencies import Curriculum, flags
from competencies.exam import (
    Attempt,
    ExamHistory,
    PartRecord,
    Prerequisites,
    RapmStatus,
    Sitting,
    SittingEligibility,
    advanced_training_reached_on,
    mcq_expires_on,
    mcq_valid_on,
    membership_deadline,
    upcoming_eligibility,
)
from competencies.fellowship import SOE_TIME_MILESTONE, ItemStatus, Projection, fellowship_checklist, project_fellowship
from competencies.training_time import Period
from trainee_portal import curricula, policy
from trainee_portal.exams.forms import uk_today
from trainee_portal.extensions import db
from trainee_portal.models import (
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
    User,
)
from trainee_portal.platform.clock import utcnow_aware
from trainee_portal.summaries import progress
from trainee_portal.training_time.queries import core_periods, periods_by_trainee

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


def all_sittings() -> list[ExamSitting]:
    return list(db.session.scalars(select(ExamSitting).order_by(ExamSitting.sits_on.desc(), ExamSitting.part)))


def attempts_of(trainee_id: int) -> list[ExamAttempt]:
    query = (
        select(ExamAttempt)
        .options(joinedload(ExamAttempt.sitting), joinedload(ExamAttempt.corrected_by))
        .join(ExamSitting, ExamSitting.id == ExamAttempt.sitting_id)
        .where(ExamAttempt.trainee_id == trainee_id)
        .order_by(ExamSitting.sits_on, ExamSitting.part)
    )
    return list(db.session.scalars(query))


def core_attempts(rows: list[ExamAttempt]) -> list[Attempt]:
    return [Attempt(r.sitting.part, r.sitting.sits_on, r.result, bool((r.extra_training_note or "").strip())) for r in rows]


def latest_rapm(trainee_id: int) -> RapmConfirmation | None:
    return db.session.scalar(
        select(RapmConfirmation)
        .options(joinedload(RapmConfirmation.confirmed_by))
        .where(RapmConfirmation.trainee_id == trainee_id)
        .order_by(RapmConfirmation.id.desc())
        .limit(1)
    )


def rapm_status(row: RapmConfirmation | None, periods: tuple[Period, ...] = ()) -> RapmStatus | None:
    """The confirmation as the core reads it, with the trainee's training periods (its months are training time)."""
    if row is None:
        return None
    return RapmStatus(row.confirmed_on, row.stage3_pain_complete, row.advanced_training_started_on, tuple(periods))


def latest_prerequisites(trainee_id: int) -> ExamPrerequisite | None:
    return db.session.scalar(
        select(ExamPrerequisite)
        .options(joinedload(ExamPrerequisite.recorded_by), joinedload(ExamPrerequisite.confirmed_by))
        .where(ExamPrerequisite.trainee_id == trainee_id)
        .order_by(ExamPrerequisite.id.desc())
        .limit(1)
    )


def prerequisites_status(row: ExamPrerequisite | None) -> Prerequisites:
    """The core's view of the latest record; nothing recorded is Prerequisites() (nothing met)."""
    if row is None:
        return Prerequisites()
    return Prerequisites(
        row.gmc_registered_on, row.fpm_status, row.fpm_applied_on, row.fpm_member_since, row.good_standing, row.confirmed_on
    )


def mock_scores(trainee_id: int) -> list[MockExamScore]:
    return list(
        db.session.scalars(
            select(MockExamScore).where(MockExamScore.trainee_id == trainee_id).order_by(MockExamScore.taken_on, MockExamScore.id)
        )
    )


def signed_off_levels(trainee_id: int, version: str) -> dict[str, date]:
    rows = db.session.execute(
        select(StageSignOff.stage_level, StageSignOff.signed_on).where(
            StageSignOff.trainee_id == trainee_id, StageSignOff.curriculum_version == version
        )
    ).all()
    signed = {r.stage_level: r.signed_on for r in rows}
    # A 2021 stage is closed by its signed HALO (competencies.halo), not by a supervisor's stage sign-off.
    curriculum = curricula.curriculum(version)
    halos = db.session.execute(
        select(HaloRequest.stage_key, HaloRequest.decided_at).where(
            HaloRequest.trainee_id == trainee_id, HaloRequest.curriculum_version == version, HaloRequest.status == "signed"
        )
    ).all()
    for key, decided_at in halos:
        if key in {s.key for s in curriculum.stages}:
            signed.setdefault(curriculum.stage(key).level, decided_at.date())
    # A stage whose old counterpart was signed off before a move between curricula stays closed.
    for key, row in progress.carried_signoffs(trainee_id, version).items():
        if key in {s.key for s in curriculum.stages}:
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


@dataclass(frozen=True)
class PipelineRow:
    trainee_id: int
    name: str
    stage: str
    history: ExamHistory
    rapm_confirmed_on: date | None
    mcq_expires_on: date | None
    next_eligible: SittingEligibility | None
    flags: tuple[str, ...]


def _part_history(rows, trainee_id: int) -> ExamHistory:
    parts = {part: PartRecord(n, passed) for tid, part, n, passed in rows if tid == trainee_id}
    return ExamHistory(parts.get("MCQ", PartRecord()), parts.get("SOE", PartRecord()))


def pipeline(user) -> list[PipelineRow]:
    """Every trainee the user may see with their exam position, from three aggregate queries."""
    visible = policy.visible_trainee_ids(user)
    trainees = select(User.id, User.name, TraineeProfile.current_stage, TraineeProfile.curriculum_version).join(
        TraineeProfile, TraineeProfile.user_id == User.id
    )
    if visible is not None:
        trainees = trainees.where(User.id.in_(visible))
    people = db.session.execute(trainees.order_by(User.name)).all()
    ids = [p.id for p in people]
    counts = db.session.execute(
        select(
            ExamAttempt.trainee_id,
            ExamSitting.part,
            func.count(),
            func.max(case((ExamAttempt.result == "pass", ExamSitting.sits_on))),
        )
        .join(ExamSitting, ExamSitting.id == ExamAttempt.sitting_id)
        .where(ExamAttempt.trainee_id.in_(ids))
        .group_by(ExamAttempt.trainee_id, ExamSitting.part)
    ).all()
    by_trainee: dict[int, list] = {}
    for row in counts:
        by_trainee.setdefault(row[0], []).append(tuple(row))
    latest = (
        select(func.max(RapmConfirmation.id)).where(RapmConfirmation.trainee_id.in_(ids)).group_by(RapmConfirmation.trainee_id)
    )
    confirmations = {r.trainee_id: r for r in db.session.scalars(select(RapmConfirmation).where(RapmConfirmation.id.in_(latest)))}
    periods = periods_by_trainee(confirmations)  # only a confirmed start has training time to count
    latest = (
        select(func.max(ExamPrerequisite.id)).where(ExamPrerequisite.trainee_id.in_(ids)).group_by(ExamPrerequisite.trainee_id)
    )
    statements = {r.trainee_id: r for r in db.session.scalars(select(ExamPrerequisite).where(ExamPrerequisite.id.in_(latest)))}
    now, today = utc_now(), uk_today()
    # Closed windows are dropped once here rather than once per trainee (upcoming_eligibility drops them too).
    sittings = [s for s in (core_sitting(s) for s in all_sittings()) if s.window_state(now) != "closed"]
    result = []
    for person in people:
        rules = curricula.curriculum(person.curriculum_version).exam
        history = _part_history(by_trainee.get(person.id, []), person.id)
        rapm = confirmations.get(person.id)
        prerequisites = prerequisites_status(statements.get(person.id))
        upcoming = upcoming_eligibility(
            rules, history, sittings, rapm_status(rapm, periods.get(person.id, ())), now, prerequisites
        )
        passed = history.mcq.passed_on
        expires = mcq_expires_on(rules, passed) if passed else None
        warnings = []
        if passed and history.soe.passed_on is None and flags.mcq_expiring(rules, passed, today):
            warnings.append("mcq_expiring")
        for part, record in (("MCQ", history.mcq), ("SOE", history.soe)):
            done = history.soe.passed_on is not None or (part == "MCQ" and mcq_valid_on(rules, passed, today))
            if not done and flags.late_attempt(rules, record.attempts):
                warnings.append(f"{part.lower()}_attempt_{record.attempts + 1}")
            if not done and flags.no_attempts_left(rules, record.attempts):
                warnings.append(f"{part.lower()}_no_attempts_left")
        result.append(
            PipelineRow(
                person.id,
                person.name,
                person.current_stage,
                history,
                rapm.confirmed_on if rapm else None,
                expires,
                next((e for e in upcoming if e.eligible), None),
                tuple(warnings),
            )
        )
    return result


# --- the pipeline's lists ----------------------------------------------------------------------

PIPELINE_PAGE_SIZE = 50


def pipeline_lists(rows: list[PipelineRow]) -> dict[str, list]:
    """The pipeline's four lists, each paged on its own ?<name>_page=: late holds (row, flag) pairs, one per late part."""
    return {
        "eligible": [r for r in rows if r.next_eligible],
        "expiring": [r for r in rows if "mcq_expiring" in r.flags],
        "late": [(r, f) for r in rows for f in r.flags if "_attempt_" in f or "no_attempts" in f],
        "everyone": rows,
    }
