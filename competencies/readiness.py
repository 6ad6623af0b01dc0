"""ARCP readiness: the evidence cut-off before a panel, the reminder dates before the cut-off, the review period, and
whether a trainee is ready for the panel (green, amber or red, with the reasons and the items named).

Dates only, no clock: the caller passes today and the bank holidays (a frozenset of dates) of the trainee's nation.

- Working days are Monday to Friday and not a bank holiday. The cut-off falls `n` working days before the panel.
- Reminders go 4 weeks and 2 weeks (calendar days) before the cut-off, and 2 working days before it.
- The review period runs from the day after the trainee's previous panel's cut-off (or, with no previous panel, the
  curriculum's `review_months_without_previous_panel` before this cut-off: the programme's own rule) to the cut-off.
- Green: every requirement is met by signed items. Amber: every item is in but some wait for a sign-off, or an item
  still to come arrives, at the trainee's present pace, before the cut-off (only just before it, within the
  programme's `just_before_days`, is said so). Red: an item is missing and cannot arrive by the cut-off at the
  present pace; a requirement with nothing in at all (e.g. no MSF in the review period) has no pace, so is red.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from .evidence import EVIDENCE_TYPES, evidence_noun
from .provenance import SUGGESTION, origin

GREEN, AMBER, RED = "green", "amber", "red"
COLOURS = (GREEN, AMBER, RED)  # best first
COLOUR_LABELS = {GREEN: "Ready", AMBER: "Nearly ready", RED: "Not ready"}

# What a requirement counts besides an evidence type: the stage's HALO (2021) or the stage's end-of-stage sign-off
# by the educational supervisor (2010); each names its stage.
HALO, STAGE_SIGNOFF = "halo", "stage_signoff"
STAGE_KINDS = (HALO, STAGE_SIGNOFF)

# An item's state: in and signed, or in and waiting for a sign-off (an evidence entry submitted for sign-off, a HALO
# requested). Drafts are not in.
SIGNED, PENDING = "signed", "pending"
ITEM_STATES = (SIGNED, PENDING)

# The reminder steps before the cut-off, in the order they fall; the keys are stored (ArcpReminder.step).
FOUR_WEEKS, TWO_WEEKS, TWO_WORKING_DAYS = "four_weeks", "two_weeks", "two_days"
REMINDER_STEPS = (FOUR_WEEKS, TWO_WEEKS, TWO_WORKING_DAYS)
REMINDER_LABELS = {
    FOUR_WEEKS: "4 weeks before the cut-off",
    TWO_WEEKS: "2 weeks before the cut-off",
    TWO_WORKING_DAYS: "2 working days before the cut-off",
}


# --- working days and the cut-off ---------------------------------------------------------------


def is_working_day(day: date, holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days_before(day: date, n: int, holidays: frozenset[date] = frozenset()) -> date:
    """The working day `n` working days before `day` (`day` itself is not counted); n must be at least 1."""
    if n < 1:
        raise ValueError(f"count at least one working day, got {n}")
    current, left = day, n
    while left:
        current -= timedelta(days=1)
        if is_working_day(current, holidays):
            left -= 1
    return current


def cutoff_date(panel_date: date, working_days: int, holidays: frozenset[date] = frozenset()) -> date:
    """The last day evidence counts for a panel: `working_days` working days before the panel date."""
    return working_days_before(panel_date, working_days, holidays)


def reminder_dates(cutoff: date, holidays: frozenset[date] = frozenset()) -> dict[str, date]:
    """Each reminder step's date: 28 and 14 days before the cut-off, and 2 working days before it."""
    return {
        FOUR_WEEKS: cutoff - timedelta(days=28),
        TWO_WEEKS: cutoff - timedelta(days=14),
        TWO_WORKING_DAYS: working_days_before(cutoff, 2, holidays),
    }


def due_step(cutoff: date, today: date, holidays: frozenset[date], sent: Iterable[str] = ()) -> str | None:
    """The latest reminder step whose date has come (today or, if runs were missed, earlier) and that is not sent,
    never after the cut-off; None when no step is due. Only the latest is sent: earlier missed steps are skipped."""
    if today > cutoff:
        return None
    dates = reminder_dates(cutoff, holidays)
    come = [step for step in REMINDER_STEPS if dates[step] <= today]
    if not come or come[-1] in set(sent):
        return None
    return come[-1]


def review_start(cutoff: date, previous_cutoff: date | None, months_without_previous: int) -> date:
    """The first day of the review period: the day after the previous panel's cut-off, or `months_without_previous`
    calendar months before this cut-off (the day after it) when there was no previous panel."""
    if previous_cutoff is not None and previous_cutoff < cutoff:
        return previous_cutoff + timedelta(days=1)
    return _months_before(cutoff, months_without_previous) + timedelta(days=1)


def _months_before(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


# --- what a panel needs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One thing a panel needs: `count` items of an evidence type dated in the review period, or the HALO / end-of-stage
    sign-off of `stage`; at the panels for `years` (empty: every panel). Provenance as the evidence rules have it."""

    key: str
    label: str
    what: str  # an evidence type code, HALO or STAGE_SIGNOFF
    count: int = 1
    years: tuple[str, ...] = ()
    stage: str | None = None
    basis: str = SUGGESTION
    sources: tuple[str, ...] = ()
    quote: str = ""

    def applies_to(self, training_year: str) -> bool:
        return not self.years or training_year in self.years

    @property
    def counts_evidence(self) -> bool:
        return self.what not in STAGE_KINDS

    @property
    def origin(self) -> str:
        return origin(self.basis, self.sources, self.quote)

    def noun(self, count: int) -> str:
        if self.counts_evidence:
            return evidence_noun(self.what, count)
        return self.label


@dataclass(frozen=True)
class ArcpRules:
    """A curriculum's ARCP section: the requirements, and the programme's own numbers for the review period and for
    "only just before the cut-off" (each with its basis: the programme's own unless a source says otherwise)."""

    requirements: tuple[Requirement, ...] = ()
    review_months_without_previous_panel: int = 12
    just_before_days: int = 7
    note: str = ""

    def for_year(self, training_year: str) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.applies_to(training_year))


# --- assessing a trainee ------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One of the trainee's items counted for a requirement: an evidence entry (id, title, date) or a HALO request or
    stage sign-off, signed or waiting for a sign-off."""

    requirement: str  # the requirement's key
    state: str  # SIGNED or PENDING
    on: date
    title: str = ""
    ref: int | None = None  # the evidence entry's, HALO request's or sign-off's id


@dataclass(frozen=True)
class Finding:
    """What one requirement comes to: its colour, the reason in words, and the items named."""

    requirement: Requirement
    colour: str
    reason: str
    signed: tuple[Item, ...] = ()
    pending: tuple[Item, ...] = ()
    missing: int = 0
    expected_on: date | None = None  # at the present pace, when the last missing item arrives


@dataclass(frozen=True)
class Readiness:
    colour: str
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]
    cutoff: date
    days_to_cutoff: int
    review_from: date | None = None
    extra: Mapping[str, object] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        """The JSON-ready form the read model keeps (ArcpPanelTrainee.readiness_detail)."""
        return {
            "colour": self.colour,
            "reasons": list(self.reasons),
            "cutoff": self.cutoff.isoformat(),
            "days_to_cutoff": self.days_to_cutoff,
            "review_from": self.review_from.isoformat() if self.review_from else None,
            "items": [
                {
                    "key": f.requirement.key,
                    "label": f.requirement.label,
                    "what": f.requirement.what,
                    "stage": f.requirement.stage,
                    "colour": f.colour,
                    "reason": f.reason,
                    "origin": f.requirement.origin,
                    "missing": f.missing,
                    "expected_on": f.expected_on.isoformat() if f.expected_on else None,
                    "pending": [_item_dict(i) for i in f.pending],
                    "signed": [_item_dict(i) for i in f.signed],
                }
                for f in self.findings
            ],
        }


def _item_dict(item: Item) -> dict:
    return {"title": item.title, "on": item.on.isoformat(), "ref": item.ref, "state": item.state}


def _worst(colours: Iterable[str]) -> str:
    return max(colours, key=COLOURS.index, default=GREEN)


def assess_requirement(
    requirement: Requirement, items: Iterable[Item], *, today: date, cutoff: date, review_from: date, just_before_days: int
) -> Finding:
    """One requirement against the trainee's items for it (already limited to the review period for evidence)."""
    mine = [i for i in items if i.requirement == requirement.key]
    signed = tuple(sorted((i for i in mine if i.state == SIGNED), key=lambda i: i.on))
    pending = tuple(sorted((i for i in mine if i.state == PENDING), key=lambda i: i.on))
    need = requirement.count
    label = requirement.label
    if len(signed) >= need:
        return Finding(requirement, GREEN, f"{label}: signed.", signed, pending)
    if len(signed) + len(pending) >= need:
        waiting = need - len(signed)
        return Finding(requirement, AMBER, f"{label}: in, {waiting} waiting for a sign-off.", signed, pending)
    missing = need - len(signed) - len(pending)
    have = len(signed) + len(pending)
    if have == 0:
        where = " in the review period" if requirement.counts_evidence else ""
        noun = requirement.noun(need) if requirement.counts_evidence else label
        what = f"No {noun}{where}" if need == 1 or not requirement.counts_evidence else f"None of the {need} {noun}{where}"
        return Finding(requirement, RED, f"{what}.", signed, pending, missing)
    # The present pace: the items in so far, over the days of the review period gone by (at least one).
    elapsed = max((today - review_from).days + 1, 1)
    days_needed = math.ceil(missing * elapsed / have)
    expected = today + timedelta(days=days_needed)
    more = f"{missing} more {requirement.noun(missing)}"
    if expected > cutoff:
        reason = f"{label}: {have} of {need} in; at the present pace {more} would come after the cut-off."
        return Finding(requirement, RED, reason, signed, pending, missing, expected)
    if (cutoff - expected).days < just_before_days:
        reason = f"{label}: {have} of {need} in; at the present pace {more} would come only just before the cut-off."
    else:
        reason = f"{label}: {have} of {need} in; {more} expected by {expected.isoformat()} at the present pace."
    return Finding(requirement, AMBER, reason, signed, pending, missing, expected)


def assess(
    rules: ArcpRules,
    training_year: str,
    items: Iterable[Item],
    *,
    today: date,
    cutoff: date,
    review_from: date,
    requirements: tuple[Requirement, ...] | None = None,
) -> Readiness:
    """The trainee's readiness for one panel: each requirement for the training year assessed, the worst colour
    overall, and the reasons of every requirement not yet green (or that everything is signed)."""
    items = tuple(items)
    needed = rules.for_year(training_year) if requirements is None else requirements
    findings = tuple(
        assess_requirement(r, items, today=today, cutoff=cutoff, review_from=review_from, just_before_days=rules.just_before_days)
        for r in needed
    )
    colour = _worst(f.colour for f in findings)
    order = sorted((f for f in findings if f.colour != GREEN), key=lambda f: -COLOURS.index(f.colour))
    reasons = tuple(f.reason for f in order) or (
        ("Everything the panel needs is signed.",) if findings else ("The curriculum names nothing this panel needs.",)
    )
    return Readiness(colour, reasons, findings, cutoff, (cutoff - today).days, review_from)


def known_kind(what: str) -> bool:
    """Whether a requirement may count this: an evidence type, a HALO or a stage sign-off."""
    return what in EVIDENCE_TYPES or what in STAGE_KINDS
