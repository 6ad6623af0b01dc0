"""FFPMRCA exam rules as pure functions: who may apply for which sitting and why, MCQ validity,
attempt limits and the checks on recording an attempt. Parameters come from ExamRules."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .calendar_days import UK
from .curriculum import ExamRules
from .training_time import Period, reached_on

PARTS = ("MCQ", "SOE")
RESULTS = ("pass", "fail")
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


FPM_NONE, FPM_APPLIED, FPM_MEMBER = "none", "applied", "member"
FPM_STATUSES = (FPM_NONE, FPM_APPLIED, FPM_MEMBER)


@dataclass(frozen=True)
class Prerequisites:
    """What a trainee recorded of the prerequisites to apply: GMC registration and FPM membership."""

    gmc_registered_on: date | None = None
    fpm_status: str = FPM_NONE
    fpm_applied_on: date | None = None
    fpm_member_since: date | None = None
    good_standing: bool = False
    confirmed_on: date | None = None  # a director's confirmation, if any

    def __post_init__(self) -> None:
        if self.fpm_status not in FPM_STATUSES:
            raise ValueError(f"fpm_status must be one of {FPM_STATUSES}, got {self.fpm_status!r}")


def membership_deadline(rules: ExamRules, sitting: Sitting) -> date | None:
    """Last day to apply for FPM membership for this sitting: the closing date minus the curriculum's weeks."""
    weeks = rules.fpm_membership_weeks_before_closing
    return None if weeks is None else sitting.closes_on - timedelta(weeks=weeks)


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
            "No confirmation recorded yet: the training programme director records it.",
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


def prerequisite_checks(rules: ExamRules, sitting: Sitting, prerequisites: Prerequisites) -> list[Check]:
    """GMC registration, FPM membership in good standing and the membership application deadline for one sitting,
    as far as the curriculum requires them."""
    p = prerequisites
    unconfirmed = "" if p.confirmed_on else " (recorded by the trainee; not yet confirmed by a director)"
    checks = []
    if rules.requires_gmc_registration:
        rule, title, sources = (
            "requires_gmc_registration",
            "Registered with the GMC",
            rules.sources_for("requires_gmc_registration"),
        )
        if p.gmc_registered_on is None:
            checks.append(Check(rule, title, NOT_MET, "No GMC registration recorded.", sources))
        elif p.gmc_registered_on > sitting.closes_on:
            reason = f"Registered only from {_d(p.gmc_registered_on)}, after applications close{unconfirmed}."
            checks.append(Check(rule, title, NOT_MET, reason, sources))
        else:
            checks.append(Check(rule, title, MET, f"Registered since {_d(p.gmc_registered_on)}{unconfirmed}.", sources))
    if not rules.requires_fpm_membership:
        return checks
    rule, title, sources = (
        "requires_fpm_membership",
        "A member of the FPM in good standing",
        rules.sources_for("requires_fpm_membership"),
    )
    if p.fpm_status == FPM_MEMBER and not p.good_standing:
        status, reason = NOT_MET, "A member, but not recorded as in good standing."
    elif p.fpm_status == FPM_MEMBER and p.fpm_member_since and p.fpm_member_since <= sitting.closes_on:
        status, reason = MET, f"Member since {_d(p.fpm_member_since)}, in good standing{unconfirmed}."
    elif p.fpm_status == FPM_MEMBER:
        status, reason = NOT_MET, "Membership starts only after applications close."
    elif p.fpm_status == FPM_APPLIED:
        status, reason = NOT_MET, f"Applied on {_d(p.fpm_applied_on)}; membership not yet recorded."
    else:
        status, reason = NOT_MET, "Not an FPM member and no application recorded."
    checks.append(Check(rule, title, status, reason, sources))
    deadline = membership_deadline(rules, sitting)
    if deadline is not None:
        weeks = rules.fpm_membership_weeks_before_closing
        title = f"FPM membership applied for at least {weeks} weeks before the closing date (by {_d(deadline)})"
        applied = p.fpm_applied_on
        if p.fpm_status == FPM_MEMBER and p.fpm_member_since and p.fpm_member_since <= deadline:
            status, reason = MET, f"Already a member on {_d(deadline)}."
        elif applied is not None and applied <= deadline:
            status, reason = MET, f"Applied on {_d(applied)}."
        elif applied is not None:
            status, reason = NOT_MET, f"Applied on {_d(applied)}, after the deadline of {_d(deadline)}."
        else:
            status, reason = NOT_MET, f"No application recorded: apply by {_d(deadline)}."
        checks.append(
            Check(
                "fpm_membership_weeks_before_closing",
                title,
                status,
                reason,
                rules.sources_for("fpm_membership_weeks_before_closing"),
            )
        )
    return checks


def sitting_eligibility(
    rules: ExamRules,
    history: ExamHistory,
    sitting: Sitting,
    rapm: RapmStatus | None,
    now: datetime,
    prerequisites: Prerequisites | None = None,
) -> SittingEligibility:
    """Every rule for applying to one sitting, each met or not and why (with the prerequisites to apply when
    given: pass Prerequisites() for a trainee who recorded none)."""
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
    if prerequisites is not None and history.soe.passed_on is None:
        checks += prerequisite_checks(rules, sitting, prerequisites)
    used = history.part(sitting.part).attempts
    needed = history.soe.passed_on is None and not (
        sitting.part == "MCQ" and mcq_valid_on(rules, history.mcq.passed_on, sitting.sits_on)
    )
    return SittingEligibility(sitting, used + 1, sitting.window_state(now), tuple(checks), needed)


def upcoming_eligibility(
    rules: ExamRules,
    history: ExamHistory,
    sittings: Iterable[Sitting],
    rapm: RapmStatus | None,
    now: datetime,
    prerequisites: Prerequisites | None = None,
) -> list[SittingEligibility]:
    """Eligibility for every sitting whose application window has not closed, soonest first."""
    upcoming = sorted((s for s in sittings if s.window_state(now) != "closed"), key=lambda s: (s.closes_on, s.sits_on))
    return [sitting_eligibility(rules, history, s, rapm, now, prerequisites) for s in upcoming]


@dataclass(frozen=True)
class SittingWindow:
    """Which sittings of one part a trainee may apply for, as bounds on a sitting's dates: sitting_eligibility's rules
    worked out once for their record (attempts, RAPM confirmation, prerequisites), which do not depend on today.

    A sitting on `sits_on` whose applications close on `closes_on` is eligible when the window is `open`,
    sits_from <= sits_on < sits_until, sits_on is outside [gap_from, gap_until) and closes_from <= closes_on
    (eligible_within). A bound with nothing to bound is date.min or date.max, so each test is a plain comparison that
    a query can make over stored windows."""

    open: bool = False
    sits_from: date = date.min
    sits_until: date = date.max
    gap_from: date = date.max  # an MCQ pass still valid on the sitting date: [pass, expiry)
    gap_until: date = date.max
    closes_from: date = date.min  # the prerequisites to apply are met by the closing date
    attempt_number: int = 1
    needs_extra_training: bool = False  # the attempt needs evidence of additional educational training


def _all(*conditions):
    return all(conditions)


def _any(*conditions):
    return any(conditions)


def eligible_within(window, sits_on, closes_on, *, both: Callable = _all, either: Callable = _any):
    """A sitting of the window's part on `sits_on`, closing on `closes_on`, is one the trainee may apply for. Written
    with comparisons only, so that given a window of SQL columns and `both=and_, either=or_` it builds the same rule
    as a condition for a query."""
    return both(
        window.open,
        window.sits_from <= sits_on,
        window.sits_until > sits_on,
        either(window.gap_from > sits_on, window.gap_until <= sits_on),
        window.closes_from <= closes_on,
    )


def _prerequisites_from(rules: ExamRules, p: Prerequisites) -> date | None:
    """The first closing date by which prerequisite_checks are all met (date.min: from any), None if by none."""
    bounds = [date.min]
    if rules.requires_gmc_registration:
        if p.gmc_registered_on is None:
            return None
        bounds.append(p.gmc_registered_on)
    if not rules.requires_fpm_membership:
        return max(bounds)
    if p.fpm_status != FPM_MEMBER or not p.good_standing or not p.fpm_member_since:
        return None
    bounds.append(p.fpm_member_since)
    weeks = rules.fpm_membership_weeks_before_closing
    if weeks is not None:  # a member by the deadline, or applied by it
        applied = [d + timedelta(weeks=weeks) for d in (p.fpm_member_since, p.fpm_applied_on) if d is not None]
        bounds.append(min(applied))
    return max(bounds)


def sitting_windows(
    rules: ExamRules, history: ExamHistory, rapm: RapmStatus | None, prerequisites: Prerequisites
) -> dict[str, SittingWindow]:
    """Each part's SittingWindow for this record: eligible_within(windows[s.part], s.sits_on, s.closes_on) is
    sitting_eligibility(rules, history, s, rapm, now, prerequisites).eligible for every sitting s, at any moment."""
    numbers = {part: history.part(part).attempts + 1 for part in PARTS}
    extra = {part: rules.extra_training_from_attempt <= n <= rules.max_attempts_per_part for part, n in numbers.items()}
    if history.soe.passed_on is not None:  # the examination is complete: nothing more to sit
        return {part: SittingWindow(attempt_number=numbers[part]) for part in PARTS}
    closes_from = _prerequisites_from(rules, prerequisites)
    if closes_from is None:
        return {part: SittingWindow(attempt_number=numbers[part], needs_extra_training=extra[part]) for part in PARTS}
    left = {part: numbers[part] <= rules.max_attempts_per_part for part in PARTS}
    passed_on = history.mcq.passed_on
    expires = mcq_expires_on(rules, passed_on) if passed_on else None
    mcq = SittingWindow(
        open=left["MCQ"],
        gap_from=passed_on or date.max,
        gap_until=expires or date.max,
        closes_from=closes_from,
        attempt_number=numbers["MCQ"],
        needs_extra_training=extra["MCQ"],
    )
    # The SOE: after an MCQ pass still valid on its date, with the RAPM's confirmation (where required) and the
    # months of advanced/SIA training reached by then.
    reached = advanced_training_reached_on(rules, rapm.advanced_training_started_on, rapm.periods) if rapm else None
    confirmed = rapm is not None and (rapm.stage3_pain_complete or not rules.soe_requires_rapm_confirmation)
    soe_open = left["SOE"] and passed_on is not None and confirmed and reached is not None
    soe = SittingWindow(
        open=soe_open,
        sits_from=max(passed_on + timedelta(days=1), reached) if soe_open else date.min,
        sits_until=expires if soe_open else date.max,
        closes_from=closes_from,
        attempt_number=numbers["SOE"],
        needs_extra_training=extra["SOE"],
    )
    return {"MCQ": mcq, "SOE": soe}


def _refused(what: str, rule: str, sources: tuple[str, ...]) -> str:
    """ "Refused: <what> (<the rule>) [<source keys>]"; a rule no source backs says it is the programme's own."""
    return f"Refused: {what} ({rule}) " + (f"[{'; '.join(sources)}]" if sources else "[the programme's own rule]")


def _forbidden(rules: ExamRules, earlier: list[Attempt], attempt: Attempt, rapm: RapmStatus | None) -> list[str]:
    """What the rules forbid about `attempt` given the attempts at sittings before it."""
    history = ExamHistory.from_attempts(earlier)
    part, day = attempt.part, _d(attempt.sits_on)
    problems = []
    validity = f"MCQ pass valid {rules.mcq_validity_years} years"
    if history.soe.passed_on is not None:
        problems.append(
            _refused(
                f"the SOE was passed on {_d(history.soe.passed_on)}, before the sitting of {day}", "no results after a pass", ()
            )
        )
    if part == "MCQ" and mcq_valid_on(rules, history.mcq.passed_on, attempt.sits_on):
        expires = _d(mcq_expires_on(rules, history.mcq.passed_on))
        problems.append(
            _refused(
                f"the MCQ pass of {_d(history.mcq.passed_on)} was still valid on {day} (until {expires})",
                f"no results after a pass; {validity}",
                rules.sources_for("mcq_validity_years"),
            )
        )
    if part == "SOE" and rules.mcq_before_soe:
        passed_on = history.mcq.passed_on
        if passed_on is None:
            problems.append(
                _refused(f"the SOE of {day} needs an MCQ pass before it", "MCQ before SOE", rules.sources_for("mcq_before_soe"))
            )
        elif not mcq_valid_on(rules, passed_on, attempt.sits_on):
            problems.append(
                _refused(
                    f"the SOE needs an MCQ pass valid on the sitting date; the pass of {_d(passed_on)} expired on "
                    f"{_d(mcq_expires_on(rules, passed_on))}, before {day}",
                    validity,
                    rules.sources_for("mcq_validity_years"),
                )
            )
    if part == "SOE" and rules.soe_requires_rapm_confirmation:
        problems += _rapm_refusals(rules, attempt.sits_on, rapm)
    number = history.part(part).attempts + 1
    limit = rules.max_attempts_per_part
    if number > limit:
        problems.append(
            _refused(
                f"the {part} of {day} would be attempt {number}",
                f"at most {limit} attempts per part",
                rules.sources_for("max_attempts_per_part"),
            )
        )
    elif number >= rules.extra_training_from_attempt and not attempt.extra_training:
        problems.append(
            _refused(
                f"attempt {number} at the {part} needs the additional educational training completed before it, "
                "described with the result",
                f"attempt {rules.extra_training_from_attempt} needs evidence of extra educational training",
                rules.sources_for("extra_training_from_attempt"),
            )
        )
    return problems


def _rapm_refusals(rules: ExamRules, sits_on: date, rapm: RapmStatus | None) -> list[str]:
    rule = "the RAPM confirms the Stage 3 pain domain is done before the SOE"
    sources = rules.sources_for("soe_requires_rapm_confirmation")
    if rapm is None or not rapm.stage3_pain_complete:
        return [_refused(f"no Regional Advisor (RAPM) confirmation is recorded for the SOE of {_d(sits_on)}", rule, sources)]
    if rapm.confirmed_on > sits_on:
        return [
            _refused(f"the RAPM's confirmation of {_d(rapm.confirmed_on)} came after the SOE of {_d(sits_on)}", rule, sources)
        ]
    reached = advanced_training_reached_on(rules, rapm.advanced_training_started_on, rapm.periods)
    if reached is None or reached > sits_on:
        when = f"are reached only on {_d(reached)}" if reached else "are not reached while an open-ended leave or OOP lasts"
        counted = " time (less-than-full-time training and leave counted)" if rapm.periods else ""
        return [
            _refused(
                f"{rules.soe_min_advanced_months} months of advanced/SIA training{counted} {when}, "
                f"after the SOE of {_d(sits_on)}",
                f"at least {rules.soe_min_advanced_months} months of SIA by the exam date",
                rules.sources_for("soe_min_advanced_months"),
            )
        ]
    return []


def recording_problems(
    rules: ExamRules, attempts: Iterable[Attempt], new: Attempt, today: date, rapm: RapmStatus | None = None
) -> list[str]:
    """Why a newly recorded (or corrected) attempt cannot stand, given the trainee's other attempts and the latest
    RAPM confirmation (empty if it can). Each refusal names the rule and its sources. A result that would make a
    later recorded attempt one the rules forbid (an earlier pass, say) is refused too."""
    attempts = sorted(attempts, key=lambda a: a.sits_on)
    problems = []
    if new.sits_on > today:
        problems.append(_refused("this sitting has not taken place yet", "record the result after the exam", ()))
    if any(a.part == new.part and a.sits_on == new.sits_on for a in attempts):
        problems.append(_refused("a result is already recorded for this sitting", "one result per sitting", ()))
    problems += _forbidden(rules, [a for a in attempts if a.sits_on < new.sits_on], new, rapm)
    after = sorted([*attempts, new], key=lambda a: a.sits_on)
    for later in (a for a in attempts if a.sits_on > new.sits_on):
        before = set(_forbidden(rules, [a for a in attempts if a.sits_on < later.sits_on], later, rapm))
        for problem in _forbidden(rules, [a for a in after if a.sits_on < later.sits_on], later, rapm):
            if problem not in before:
                problems.append(f"{problem}. This result would make the later {later.part} result of {_d(later.sits_on)} wrong.")
    return problems


def attempt_number(attempts: Iterable[Attempt], part: str, sits_on: date) -> int:
    """Which attempt at `part` a sitting on `sits_on` is (1-based), counting earlier sittings."""
    return sum(1 for a in attempts if a.part == part and a.sits_on < sits_on) + 1


def next_needed(upcoming: Iterable[SittingEligibility]) -> SittingEligibility | None:
    """The sitting to show a trainee next, from upcoming_eligibility's list (soonest closing first): the first of a
    part they still need that they may apply for, else the first of a part they still need (its checks say what
    blocks it); None when no upcoming sitting is of a part they need."""
    needed = [e for e in upcoming if e.needed]
    return next((e for e in needed if e.eligible), needed[0] if needed else None)
