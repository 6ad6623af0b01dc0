"""Training time: less-than-full-time (LTFT) training, leave and time out of programme (OOP) turned into
whole-time-equivalent (WTE) days, and the inverse, the date a whole-time stretch of training is reached.

A period runs from `starts_on` to `ends_on`, both included (open-ended without an end). Spans between two dates
are half-open, [start, end), as `(end - start).days` counts them. Which periods count as training is data
(COUNTING, each rule with its basis): the published sources name no rule for it (domain.md has only "special
arrangements for LTFT" [PROV-GP]), so the counting is the programme's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from math import ceil

LTFT, LEAVE, OOP, OOPT = "ltft", "leave", "oop", "oopt"
KINDS: dict[str, str] = {
    LTFT: "Less than full time (LTFT)",
    LEAVE: "Leave (sickness, parental or other absence from training)",
    OOP: "Time out of programme (career break, experience or research)",
    OOPT: "Time out of programme for training (OOPT)",
}
ABSENCES = (LEAVE, OOP, OOPT)  # periods away from the post; LTFT is how much of the post is worked
SUGGESTION = "suggestion"
BASES = {SUGGESTION: "The programme's own rule (no published source)"}


@dataclass(frozen=True)
class CountingRule:
    """How much of each day of a period counts as training: `share` (0–100), or None for the period's WTE percentage."""

    kind: str
    share: int | None
    meaning: str
    basis: str = SUGGESTION
    sources: tuple[str, ...] = ()

    @property
    def provenance(self) -> str:
        return BASES[self.basis] + (f" [{'; '.join(self.sources)}]" if self.sources else "")


COUNTING: dict[str, CountingRule] = {
    rule.kind: rule
    for rule in (
        CountingRule(LTFT, None, "LTFT counts at its whole-time-equivalent percentage: 12 months at 50% count as 6."),
        CountingRule(LEAVE, 0, "Leave other than annual and study leave does not count as training time."),
        CountingRule(OOP, 0, "Time out of programme does not count as training time."),
        CountingRule(OOPT, 100, "Time out of programme for training counts as training, at the LTFT percentage if any."),
    )
}


@dataclass(frozen=True)
class ReviewRule:
    """A national rule quoted word for word with its source: absence beyond `days` in 12 months triggers a review."""

    days: int
    words: str
    source: str
    url: str
    basis: str = "national"


ABSENCE_REVIEW = ReviewRule(
    14,
    "Where a trainee has been absent for a total of more than 14 days within each 12 month period, a review of their "
    "CCT date will be triggered.",
    "FPM, GMC position statement on time out of training",
    "https://fpm.ac.uk/document-store/gmc-position-statement-time-out-of-training",
)


@dataclass(frozen=True)
class Period:
    kind: str
    starts_on: date
    ends_on: date | None = None  # the last day, included; None: open-ended
    wte_percent: int | None = None  # LTFT only

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, other: Period) -> bool:
        return (other.ends_on is None or self.starts_on <= other.ends_on) and (
            self.ends_on is None or other.starts_on <= self.ends_on
        )

    @property
    def after_end(self) -> date | None:
        return None if self.ends_on is None else self.ends_on + timedelta(days=1)


def _d(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _describe(period: Period) -> str:
    end = _d(period.ends_on) if period.ends_on else "open-ended"
    return f"{KINDS[period.kind].split(' (')[0].lower()} period from {_d(period.starts_on)} ({end})"


# The calendar a period may fall in: the stage end in training time is a date after the period's end, so a period
# ending near date.max would overflow it (a 500); no training period reaches beyond these years.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def period_problems(period: Period) -> dict[str, str]:
    """Why a period cannot stand on its own, by the field at fault (empty if it can)."""
    problems = {}
    for name in ("starts_on", "ends_on"):
        day = getattr(period, name)
        if day is not None and not EARLIEST <= day <= LATEST:
            problems[name] = f"Enter a date from {_d(EARLIEST)} to {_d(LATEST)}."
    if period.kind not in KINDS:
        problems["kind"] = "Choose the kind of period."
    if period.ends_on is not None and period.ends_on < period.starts_on:
        problems["ends_on"] = "The period cannot end before it starts."
    if period.kind == LTFT:
        if period.wte_percent is None or not 0 < period.wte_percent < 100:
            problems["wte_percent"] = "Enter the percentage of full time worked, above 0 and below 100 (for example 60)."
    elif period.wte_percent is not None:
        problems["wte_percent"] = "Only less-than-full-time periods have a percentage of full time: leave it empty."
    return problems


def clashes(period: Period, others: Iterable[Period]) -> list[str]:
    """Why `period` cannot sit beside the trainee's other periods: LTFT periods may not overlap each other, nor
    absences (leave, OOP, OOPT) each other; an absence may fall within an LTFT period."""
    group = period.kind == LTFT
    return [
        f"It overlaps the {_describe(other)}." for other in others if (other.kind == LTFT) == group and period.overlaps(other)
    ]


def validate(periods: Sequence[Period]) -> list[str]:
    """Every problem with a trainee's set of periods (empty when they can be used)."""
    problems = [p for period in periods for p in period_problems(period).values()]
    for index, period in enumerate(periods):
        problems += clashes(period, periods[index + 1 :])
    return problems


def day_share(day: date, periods: Iterable[Period]) -> Fraction:
    """The share of a whole-time day that `day` counts as (0–1)."""
    periods = list(periods)
    ltft = next((p for p in periods if p.kind == LTFT and p.covers(day)), None)
    share = Fraction(ltft.wte_percent or 100, 100) if ltft else Fraction(1)
    absence = next((p for p in periods if p.kind in ABSENCES and p.covers(day)), None)
    if absence is not None:
        counted = COUNTING[absence.kind].share
        share *= Fraction(100 if counted is None else counted, 100)
    return share


def _segments(start: date, periods: Sequence[Period]):
    """(from, to or None, share) pieces from `start` on, each with one share throughout; the last is unbounded."""
    cuts = sorted({d for p in periods for d in (p.starts_on, p.after_end) if d is not None and d > start})
    edges = [start, *cuts]
    for index, left in enumerate(edges):
        right = edges[index + 1] if index + 1 < len(edges) else None
        yield left, right, day_share(left, periods)


def training_days(start: date, end: date, periods: Sequence[Period] = ()) -> Fraction:
    """Whole-time-equivalent days of training in [start, end): one per full-time day, less for LTFT, none on leave."""
    if end <= start:
        return Fraction(0)
    total = Fraction(0)
    for left, right, share in _segments(start, periods):
        if left >= end:
            break
        total += share * ((min(right, end) if right else end) - left).days
    return total


def reached_on(start: date, full_time_end: date, periods: Sequence[Period] = ()) -> date | None:
    """The first day by which the training since `start` equals whole-time training from `start` to `full_time_end`
    (`full_time_end` itself without periods); None if it is never reached (an open-ended leave or OOP)."""
    target = Fraction((full_time_end - start).days)
    if target <= 0 or not periods:
        return full_time_end
    done = Fraction(0)
    for left, right, share in _segments(start, periods):
        span = (right - left).days if right else None
        if share > 0 and (span is None or done + share * span >= target):
            return left + timedelta(days=ceil((target - done) / share))
        if span is None:
            return None
        done += share * span
    return None  # unreachable: the last segment is unbounded


def reached_after_weeks(start: date, weeks: int, periods: Sequence[Period] = ()) -> date | None:
    """The day `weeks` whole-time weeks of training from `start` are complete."""
    return reached_on(start, start + timedelta(weeks=weeks), periods)


def touches(periods: Iterable[Period], start: date) -> bool:
    """Any period still running on or after `start` (only those change training time from `start` on)."""
    return any(p.ends_on is None or p.ends_on >= start for p in periods)


def absence_days(periods: Iterable[Period], today: date) -> int:
    """Calendar days of leave and time out of programme (not OOPT) in the 12 months up to and including `today`.
    Calendar days over-count the ABSENCE_REVIEW rule's days, which are days the trainee would normally be at work."""
    try:
        first = today.replace(year=today.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February: the 12 months start on 1 March the year before
        first = date(today.year - 1, 3, 1)
    total = 0
    for p in periods:
        if p.kind in (LEAVE, OOP):
            start, end = max(p.starts_on, first), min(p.ends_on or today, today)
            total += max(0, (end - start).days + 1)
    return total


def absence_review_due(periods: Iterable[Period], today: date) -> bool:
    """More absence in the last 12 months than ABSENCE_REVIEW allows before a review of the CCT date."""
    return absence_days(periods, today) > ABSENCE_REVIEW.days
