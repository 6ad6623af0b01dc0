"""When the portal flags a trainee for attention: the cohort table's flags and the exam pipeline's warnings, each
threshold once, with where it comes from.

Every threshold says its basis, as the curricula's rules do: a national rule (its sources name the body's
publication), a local rule (one school's or region's), or the programme's own suggestion, which no published source
backs (domain.md marks these "inference": data an administrator may change, shown as such). The app builds its SQL
from these same values, so the filter over the whole cohort and the flag on one row cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .curriculum import ExamRules
from .exam import add_months, mcq_expires_on
from .provenance import BASES, LOCAL, NATIONAL, SUGGESTION, origin  # noqa: F401 (the vocabulary, shared with rules)


@dataclass(frozen=True)
class Threshold:
    key: str
    value: int | float
    meaning: str
    basis: str
    sources: tuple[str, ...] = ()  # source keys, as in the curriculum files; none for a suggestion

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"basis must be one of {tuple(BASES)}, got {self.basis!r}")
        if (self.basis == SUGGESTION) == bool(self.sources):
            raise ValueError("national and local rules name their sources; the programme's suggestions have none")

    @property
    def provenance(self) -> str:
        """Where the threshold comes from, e.g. "National rule [EH-ELIG]" (provenance.origin's wording)."""
        return origin(self.basis, self.sources)


BEHIND_TOLERANCE = Threshold(
    "behind_tolerance",
    15.0,
    "percentage points progress may trail the straight line from the stage's start to its expected length",
    SUGGESTION,
)
IDLE_DAYS = Threshold("idle_days", 60, "days without any logbook activity before a trainee counts as idle", SUGGESTION)
SIGNOFF_WAIT_DAYS = Threshold("signoff_wait_days", 14, "days a sign-off request may wait before it is overdue", SUGGESTION)
EXAM_ATTEMPTS = Threshold("exam_attempts", 4, "attempts at one exam part from which a trainee is flagged", SUGGESTION)
MCQ_EXPIRY_WARNING_MONTHS = Threshold(
    "mcq_expiry_warning_months", 6, "months before an MCQ pass expires that the exam pipeline warns", SUGGESTION
)
# Of the curriculum's attempts per part (max_attempts_per_part, a national rule [EH-ELIG]), how many of the last the
# exam pipeline lists as late: with 6 attempts, the 5th and the 6th.
LAST_ATTEMPTS_WARNED = Threshold(
    "last_attempts_warned", 2, "last attempts at an exam part the exam pipeline lists as late", SUGGESTION
)

THRESHOLDS: dict[str, Threshold] = {
    t.key: t
    for t in (BEHIND_TOLERANCE, IDLE_DAYS, SIGNOFF_WAIT_DAYS, EXAM_ATTEMPTS, MCQ_EXPIRY_WARNING_MONTHS, LAST_ATTEMPTS_WARNED)
}

FLAG_TITLES: dict[str, str] = {
    "behind": "Behind expected progress",
    "idle": f"No activity for {IDLE_DAYS.value} days",
    "waiting": f"Sign-off waiting over {SIGNOFF_WAIT_DAYS.value} days",
    "attempts": f"{EXAM_ATTEMPTS.value} or more attempts at one exam part",
}


def _both(first, second):
    return first and second


def behind(percent, days_in_stage, stage_days, *, both: Callable = _both):
    """Progress trails the straight line from the stage's start (0%) to its end (100%, `stage_days` later) by more
    than BEHIND_TOLERANCE points. Written with arithmetic and comparisons only, so that given SQL column expressions
    and `both=sqlalchemy.and_` it builds the same rule as a condition for a query."""
    tolerance = BEHIND_TOLERANCE.value
    return both(percent < 100 - tolerance, days_in_stage * 100 > (percent + tolerance) * stage_days)


def idle_cutoff(now: datetime) -> datetime:
    """Activity before this moment is too long ago: the trainee is idle."""
    return now - timedelta(days=IDLE_DAYS.value)


def is_idle(last_activity_at: datetime | None, stage_started_on: date, now: datetime) -> bool:
    """No activity since IDLE_DAYS ago; a trainee with none at all counts from the start of their stage."""
    reference = last_activity_at or datetime.combine(stage_started_on, datetime.min.time())
    return reference < idle_cutoff(now)


def signoff_overdue_cutoff(now: datetime) -> datetime:
    """A sign-off request made before this moment has waited too long."""
    return now - timedelta(days=SIGNOFF_WAIT_DAYS.value)


def many_attempts(attempts: int) -> bool:
    """So many attempts at one exam part that the trainee is flagged."""
    return attempts >= EXAM_ATTEMPTS.value


def mcq_expiry_warned_before(today: date) -> date:
    """An MCQ pass expiring (from today) before this day is warned about: MCQ_EXPIRY_WARNING_MONTHS ahead."""
    return add_months(today, MCQ_EXPIRY_WARNING_MONTHS.value)


def mcq_expiring(rules: ExamRules, passed_on: date, today: date) -> bool:
    """The MCQ pass expires within MCQ_EXPIRY_WARNING_MONTHS (and has not yet)."""
    expires = mcq_expires_on(rules, passed_on)
    return today <= expires < mcq_expiry_warned_before(today)


def late_attempt(rules: ExamRules, used: int) -> bool:
    """The next attempt at a part is one of its last LAST_ATTEMPTS_WARNED (and one is still left)."""
    return rules.max_attempts_per_part - LAST_ATTEMPTS_WARNED.value <= used < rules.max_attempts_per_part


def late_attempt_numbers(rules: ExamRules) -> tuple[int, ...]:
    """The attempt numbers the exam pipeline lists as late: the last LAST_ATTEMPTS_WARNED of the part's maximum."""
    first = max(1, rules.max_attempts_per_part - LAST_ATTEMPTS_WARNED.value + 1)
    return tuple(range(first, rules.max_attempts_per_part + 1))


def no_attempts_left(rules: ExamRules, used: int) -> bool:
    return used >= rules.max_attempts_per_part
