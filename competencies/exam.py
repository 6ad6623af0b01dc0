"""FFPMRCA exam rules as pure functions: who may apply for which sitting and why, MCQ validity,
attempt limits and the checks on recording an attempt. Parameters come from ExamRules."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from .curriculum import ExamRules
from .training_time import Period, reached_on

PARTS = ("MCQ", "SOE")
RESULTS = ("pass", "fail")
UK = ZoneInfo("Europe/London")
WINDOW_OPENS_AT = time(9, 0)  # applications open at 09:00 on the opening date [EXAM-APP]
WINDOW_CLOSES_AT = time(17, 0)  # and close at 17:00 on the closing date [EXAM-APP]

MET, NOT_MET, NOT_APPLICABLE, NEEDS_EVIDENCE = "met", "not_met", "not_applicable", "needs_evidence"
CHECK_STATUSES = (MET, NOT_MET, NOT_APPLICABLE, NEEDS_EVIDENCE)


def add_months(day: date, months: int) -> date:
    """Same day `months` later; clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


@dataclass(frozen=True)
class Sitting:
    part: str
    sits_on: date
    opens_on: date
    closes_on: date
    id: int | None = None

    def __post_init__(self) -> None:
        if self.part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}, got {self.part!r}")
        if not self.opens_on <= self.closes_on:
            raise ValueError("the application window must open on or before it closes")

    @property
    def opens_at(self) -> datetime:
        return datetime.combine(self.opens_on, WINDOW_OPENS_AT, tzinfo=UK)

    @property
    def closes_at(self) -> datetime:
        return datetime.combine(self.closes_on, WINDOW_CLOSES_AT, tzinfo=UK)

    def window_state(self, now: datetime) -> str:
        """ "not_open", "open" or "closed" at `now` (naive datetimes are taken as UTC)."""
        now = _aware(now)
        if now < self.opens_at:
            return "not_open"
        if now < self.closes_at:
            return "open"
        return "closed"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Attempt:
    part: str
    sits_on: date
    result: str
    extra_training: bool = False  # evidence of additional educational training recorded with it

    def __post_init__(self) -> None:
        if self.part not in PARTS or self.result not in RESULTS:
            raise ValueError(f"unknown part or result: {self.part!r}, {self.result!r}")


@dataclass(frozen=True)
class PartRecord:
    """One part's history as aggregates: attempts made and the latest pass's sitting date."""

    attempts: int = 0
    passed_on: date | None = None


@dataclass(frozen=True)
class ExamHistory:
    mcq: PartRecord = PartRecord()
    soe: PartRecord = PartRecord()

    def part(self, name: str) -> PartRecord:
        return {"MCQ": self.mcq, "SOE": self.soe}[name]

    @classmethod
    def from_attempts(cls, attempts: Iterable[Attempt], before: date | None = None) -> ExamHistory:
        """Aggregate attempts (only those at sittings before `before`, when given)."""
        records = {}
        for part in PARTS:
            own = [a for a in attempts if a.part == part and (before is None or a.sits_on < before)]
            passes = [a.sits_on for a in own if a.result == "pass"]
            records[part] = PartRecord(len(own), max(passes) if passes else None)
        return cls(records["MCQ"], records["SOE"])


@dataclass(frozen=True)
class RapmStatus:
    """The Regional Advisor's confirmation as recorded by a director."""

    confirmed_on: date
    stage3_pain_complete: bool
    advanced_training_started_on: date
    periods: tuple[Period, ...] = ()  # the trainee's LTFT, leave and OOP periods: the months are training time


@dataclass(frozen=True)
class Check:
    rule: str
    title: str
    status: str
    reason: str
    sources: tuple[str, ...] = ()

    @property
    def blocks(self) -> bool:
        return self.status == NOT_MET


@dataclass(frozen=True)
class SittingEligibility:
    sitting: Sitting
    attempt_number: int
    window: str
    checks: tuple[Check, ...]
    needed: bool = True  # False when the part is already passed (and still valid) by the sitting date

    @property
    def eligible(self) -> bool:
        return not any(c.blocks for c in self.checks)

    @property
    def can_apply_now(self) -> bool:
        return self.eligible and self.window == "open"

    @property
    def needs_extra_training(self) -> bool:
        return any(c.status == NEEDS_EVIDENCE for c in self.checks)


def mcq_expires_on(rules: ExamRules, passed_on: date) -> date:
    """First day an MCQ pass no longer counts: `mcq_validity_years` after its sitting."""
    return add_years(passed_on, rules.mcq_validity_years)


def mcq_valid_on(rules: ExamRules, passed_on: date | None, day: date) -> bool:
    return passed_on is not None and passed_on <= day < mcq_expires_on(rules, passed_on)


def advanced_training_reached_on(rules: ExamRules, started_on: date, periods: tuple[Period, ...] = ()) -> date | None:
    """The day the minimum advanced/SIA training time is complete, in training time (LTFT, leave and OOP counted
    as competencies.training_time says); None while an open-ended leave or OOP stops it."""
    return reached_on(started_on, add_months(started_on, rules.soe_min_advanced_months), periods)


def _d(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _attempt_checks(rules: ExamRules, part: str, used: int) -> list[Check]:
    number = used + 1
    limit = rules.max_attempts_per_part
    if number > limit:
        attempts = Check(
            "max_attempts_per_part",
            f"At most {limit} attempts at the {part}",
            NOT_MET,
            f"You have used all {limit} {part} attempts.",
            rules.sources_for("max_attempts_per_part"),
        )
    else:
        attempts = Check(
            "max_attempts_per_part",
            f"At most {limit} attempts at the {part}",
            MET,
            f"This would be attempt {number} of {limit}.",
            rules.sources_for("max_attempts_per_part"),
        )
    extra_from = rules.extra_training_from_attempt
    title = f"Attempt {extra_from} onwards needs evidence of additional educational training"
    if number < extra_from or number > limit:
        extra = Check(
            "extra_training_from_attempt",
            title,
            NOT_APPLICABLE,
            f"Not needed: this would be attempt {number}." if number <= limit else "No attempts left.",
            rules.sources_for("extra_training_from_attempt"),
        )
    else:
        extra = Check(
            "extra_training_from_attempt",
            title,
            NEEDS_EVIDENCE,
            f"This would be attempt {number}: record your additional educational training with it.",
            rules.sources_for("extra_training_from_attempt"),
        )
    return [attempts, extra]


def _mcq_checks(rules: ExamRules, history: ExamHistory, sitting: Sitting) -> list[Check]:
    passed_on = history.mcq.passed_on
    title = f"An MCQ pass counts for {rules.mcq_validity_years} years from its sitting"
    sources = rules.sources_for("mcq_validity_years")
    if mcq_valid_on(rules, passed_on, sitting.sits_on):
        need = Check(
            "mcq_validity_years",
            title,
            NOT_MET,
            f"Your MCQ pass of {_d(passed_on)} is still valid on this date (until "
            f"{_d(mcq_expires_on(rules, passed_on))}); you do not need to sit the MCQ again.",
            sources,
        )
    elif passed_on is not None:
        need = Check(
            "mcq_validity_years",
            title,
            MET,
            f"Your MCQ pass of {_d(passed_on)} expires on {_d(mcq_expires_on(rules, passed_on))}, "
            "by this sitting: the MCQ must be retaken.",
            sources,
        )
    else:
        need = Check("mcq_validity_years", title, MET, "You have not passed the MCQ yet.", sources)
    return [need, *_attempt_checks(rules, "MCQ", history.mcq.attempts)]


def _soe_checks(rules: ExamRules, history: ExamHistory, sitting: Sitting, rapm: RapmStatus | None) -> list[Check]:
    checks = []
    passed_on = history.mcq.passed_on
    order_title = "Pass the MCQ before the SOE"
    if not rules.mcq_before_soe:
        checks.append(Check("mcq_before_soe", order_title, NOT_APPLICABLE, "Not required by this curriculum."))
    elif passed_on is None or passed_on >= sitting.sits_on:
        checks.append(
            Check(
                "mcq_before_soe",
                order_title,
                NOT_MET,
                "You have no MCQ pass before this sitting.",
                rules.sources_for("mcq_before_soe"),
            )
        )
    else:
        checks.append(
            Check(
                "mcq_before_soe",
                order_title,
                MET,
                f"MCQ passed at the sitting of {_d(passed_on)}.",
                rules.sources_for("mcq_before_soe"),
            )
        )
    validity_title = f"The MCQ pass is still valid ({rules.mcq_validity_years} years) on the SOE date"
    sources = rules.sources_for("mcq_validity_years")
    if passed_on is None or passed_on >= sitting.sits_on:
        checks.append(Check("mcq_validity_years", validity_title, NOT_MET, "No MCQ pass to count.", sources))
    elif mcq_valid_on(rules, passed_on, sitting.sits_on):
        checks.append(
            Check("mcq_validity_years", validity_title, MET, f"Valid until {_d(mcq_expires_on(rules, passed_on))}.", sources)
        )
    else:
        checks.append(
            Check(
                "mcq_validity_years",
                validity_title,
                NOT_MET,
                f"Your MCQ pass expired on {_d(mcq_expires_on(rules, passed_on))}, before this sitting: retake the MCQ.",
                sources,
            )
        )
    checks += _attempt_checks(rules, "SOE", history.soe.attempts)
    checks += _rapm_checks(rules, sitting, rapm)
    return checks


def _rapm_checks(rules: ExamRules, sitting: Sitting, rapm: RapmStatus | None) -> list[Check]:
    title = "The Regional Advisor (RAPM) confirms the Stage 3 pain domain is complete"
    sources = rules.sources_for("soe_requires_rapm_confirmation")
    if not rules.soe_requires_rapm_confirmation:
        confirmation = Check("soe_requires_rapm_confirmation", title, NOT_APPLICABLE, "Not required by this curriculum.")
    elif rapm is None:
        confirmation = Check(
            "soe_requires_rapm_confirmation",
            title,
            NOT_MET,
            "No confirmation recorded yet: your training programme director records it.",
            sources,
        )
    elif not rapm.stage3_pain_complete:
        confirmation = Check(
            "soe_requires_rapm_confirmation",
            title,
            NOT_MET,
            "The confirmation does not state that Stage 3 pain is complete.",
            sources,
        )
    else:
        confirmation = Check("soe_requires_rapm_confirmation", title, MET, f"Confirmed on {_d(rapm.confirmed_on)}.", sources)
    months = rules.soe_min_advanced_months
    title = f"At least {months} months of advanced/SIA pain training by the sitting date"
    sources = rules.sources_for("soe_min_advanced_months")
    if rapm is None:
        time_done = Check("soe_min_advanced_months", title, NOT_MET, "No confirmed start of advanced/SIA training yet.", sources)
    else:
        reached = advanced_training_reached_on(rules, rapm.advanced_training_started_on, rapm.periods)
        started = _d(rapm.advanced_training_started_on)
        counted = " of training time (less-than-full-time training and leave counted)" if rapm.periods else ""
        if reached is None:
            time_done = Check(
                "soe_min_advanced_months",
                title,
                NOT_MET,
                f"Started {started}; an open-ended leave or time out of programme stops the training time.",
                sources,
            )
        elif reached <= sitting.sits_on:
            time_done = Check(
                "soe_min_advanced_months",
                title,
                MET,
                f"Started {started}; {months} months{counted} reached on {_d(reached)}.",
                sources,
            )
        else:
            time_done = Check(
                "soe_min_advanced_months",
                title,
                NOT_MET,
                f"Started {started}; {months} months{counted} are reached only on {_d(reached)}, after this sitting.",
                sources,
            )
    return [confirmation, time_done]


def sitting_eligibility(
    rules: ExamRules, history: ExamHistory, sitting: Sitting, rapm: RapmStatus | None, now: datetime
) -> SittingEligibility:
    """Every rule for applying to one sitting, each met or not and why."""
    if history.soe.passed_on is not None:
        checks = [
            Check(
                "exam_passed",
                "Exam not yet passed",
                NOT_MET,
                f"You passed the SOE on {_d(history.soe.passed_on)}: the examination is complete.",
            )
        ]
    elif sitting.part == "MCQ":
        checks = _mcq_checks(rules, history, sitting)
    else:
        checks = _soe_checks(rules, history, sitting, rapm)
    used = history.part(sitting.part).attempts
    needed = history.soe.passed_on is None and not (
        sitting.part == "MCQ" and mcq_valid_on(rules, history.mcq.passed_on, sitting.sits_on)
    )
    return SittingEligibility(sitting, used + 1, sitting.window_state(now), tuple(checks), needed)


def upcoming_eligibility(
    rules: ExamRules, history: ExamHistory, sittings: Iterable[Sitting], rapm: RapmStatus | None, now: datetime
) -> list[SittingEligibility]:
    """Eligibility for every sitting whose application window has not closed, soonest first."""
    upcoming = sorted((s for s in sittings if s.window_state(now) != "closed"), key=lambda s: (s.closes_on, s.sits_on))
    return [sitting_eligibility(rules, history, s, rapm, now) for s in upcoming]


def recording_problems(rules: ExamRules, attempts: Iterable[Attempt], new: Attempt, today: date) -> list[str]:
    """Why a newly recorded attempt cannot stand, given the trainee's other attempts (empty if it can)."""
    attempts = list(attempts)
    problems = []
    if new.sits_on > today:
        problems.append("This sitting has not taken place yet: record the result after the exam.")
    if any(a.part == new.part and a.sits_on == new.sits_on for a in attempts):
        problems.append("You have already recorded a result for this sitting.")
    earlier = ExamHistory.from_attempts(attempts, before=new.sits_on)
    if earlier.soe.passed_on is not None:
        problems.append("The SOE was already passed before this sitting: no further attempts are needed.")
    if new.part == "SOE" and rules.mcq_before_soe and earlier.mcq.passed_on is None:
        problems.append("There is no MCQ pass before this SOE sitting: the MCQ must be passed first.")
    if new.part == "MCQ" and mcq_valid_on(rules, earlier.mcq.passed_on, new.sits_on):
        problems.append(f"The MCQ pass of {_d(earlier.mcq.passed_on)} was still valid at this sitting.")
    number = attempt_number(attempts, new.part, new.sits_on)
    if sum(1 for a in attempts if a.part == new.part) + 1 > rules.max_attempts_per_part:
        problems.append(f"At most {rules.max_attempts_per_part} attempts are allowed at the {new.part}.")
    elif number >= rules.extra_training_from_attempt and not new.extra_training:
        problems.append(
            f"This is attempt {number} at the {new.part}: describe the additional educational training you completed before it."
        )
    return problems


def attempt_number(attempts: Iterable[Attempt], part: str, sits_on: date) -> int:
    """Which attempt at `part` a sitting on `sits_on` is (1-based), counting earlier sittings."""
    return sum(1 for a in attempts if a.part == part and a.sits_on < sits_on) + 1
