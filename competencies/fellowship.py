"""The Fellowship (FFPMRCA) checklist and a projected Fellowship date from a trainee's trajectory,
with every assumption the projection makes spelled out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import ceil

from .curriculum import Curriculum, ExamRules, FellowshipItem, Stage
from .exam import ExamHistory, RapmStatus, Sitting, add_months, advanced_training_reached_on, mcq_expires_on, mcq_valid_on
from .training_time import Period, reached_after_weeks, reached_on, training_days

SITTING_INTERVAL_MONTHS = 6  # sittings twice a year, autumn and spring [EH-BG]
MAX_REMAINING_DAYS = 365 * 40
MET, NOT_MET, UNCONFIRMED, NOT_TRACKED = "met", "not_met", "unconfirmed", "not_tracked"
SOE_TIME_MILESTONE = "{months} months of advanced/SIA training time (for the SOE)"


@dataclass(frozen=True)
class ItemStatus:
    item: FellowshipItem
    status: str
    reason: str


def _d(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def closed_route(rules: ExamRules, history: ExamHistory, today: date | None = None) -> str | None:
    """Why the exam route is closed (every attempt at a part still needed is used), or None while it is open.
    The MCQ is still needed unless it was passed and the pass is valid `today` (or the SOE is passed)."""
    if history.soe.passed_on is not None:
        return None
    limit, sources = rules.max_attempts_per_part, rules.sources_for("max_attempts_per_part")
    cite = f" [{'; '.join(sources)}]" if sources else ""
    mcq_needed = history.mcq.passed_on is None or (today is not None and not mcq_valid_on(rules, history.mcq.passed_on, today))
    for part, record, needed in (("MCQ", history.mcq, mcq_needed), ("SOE", history.soe, True)):
        if needed and record.attempts >= limit:
            return (
                f"All {limit} {part} attempts are used: the route to the Fellowship through the examination is closed "
                f"(at most {limit} attempts per part){cite}."
            )
    return None


def _item_status(
    curriculum: Curriculum,
    item: FellowshipItem,
    history: ExamHistory,
    advanced_signed_off_on: date | None,
    today: date,
    sia_choice: str | None = None,
) -> ItemStatus:
    rules = curriculum.exam
    if item.check == "mcq_passed":
        passed_on = history.mcq.passed_on
        soe_on = history.soe.passed_on
        if passed_on is None:
            return ItemStatus(item, NOT_MET, closed_route(rules, history, today) or "No MCQ pass recorded.")
        expires = _d(mcq_expires_on(rules, passed_on))
        if soe_on is not None and not (passed_on < soe_on and mcq_valid_on(rules, passed_on, soe_on)):
            return ItemStatus(item, NOT_MET, f"The pass of {_d(passed_on)} expired on {expires}, before the SOE of {_d(soe_on)}.")
        if soe_on is not None or mcq_valid_on(rules, passed_on, today):
            return ItemStatus(item, MET, f"Passed at the sitting of {_d(passed_on)}.")
        reason = closed_route(rules, history, today) or "a retake of the MCQ comes first."
        return ItemStatus(item, NOT_MET, f"The pass of {_d(passed_on)} expired on {expires} before the SOE was passed: {reason}")
    if item.check == "soe_passed":
        if history.soe.passed_on is None:
            return ItemStatus(item, NOT_MET, closed_route(rules, history, today) or "No SOE pass recorded.")
        return ItemStatus(item, MET, f"Passed at the sitting of {_d(history.soe.passed_on)}.")
    if item.check == "advanced_stage_signed_off":
        stage = curriculum.stage_for_level("advanced")  # the SIA Pain Medicine where several SIAs share the slot
        followed = curriculum.stage_for_level("advanced", sia_choice)
        if followed.key != stage.key:
            return ItemStatus(
                item, NOT_MET, f"This item needs {stage.name}; the SIA followed is {followed.name}, which does not meet it."
            )
        if advanced_signed_off_on is None:
            return ItemStatus(item, NOT_MET, f"{stage.name} is not yet signed off as complete.")
        return ItemStatus(item, MET, f"{stage.name} signed off as complete on {_d(advanced_signed_off_on)}.")
    if item.inference:
        return ItemStatus(item, UNCONFIRMED, "Not tracked here; whether it is required is unconfirmed.")
    return ItemStatus(item, NOT_TRACKED, "Not tracked by this portal.")


def fellowship_checklist(
    curriculum: Curriculum, history: ExamHistory, advanced_signed_off_on: date | None, today: date, sia_choice: str | None = None
) -> tuple[ItemStatus, ...]:
    """Each Fellowship item of the curriculum with its status and why. `advanced_signed_off_on` is when the stage the
    item names was closed; `sia_choice` is the SIA the trainee follows where several share the advanced slot (only
    the SIA Pain Medicine meets the SIA item)."""
    return tuple(
        _item_status(curriculum, item, history, advanced_signed_off_on, today, sia_choice) for item in curriculum.fellowship
    )


@dataclass(frozen=True)
class Projection:
    projected_on: date | None
    complete: bool  # every item the portal tracks is done
    milestones: tuple[tuple[str, date], ...]
    assumptions: tuple[str, ...]
    closed: str | None = None  # why no date can be projected: the exam route is closed
    retake_first: str | None = None  # the MCQ pass has expired, or will before the next SOE: retake it first


def _nominal_weeks(stage: Stage) -> int | None:
    return stage.max_weeks if stage.max_weeks is not None else stage.min_weeks


class _Stopped(Exception):
    """An open-ended leave or time out of programme: training time stops, so no date can be projected."""


def _reached(day: date | None) -> date:
    if day is None:
        raise _Stopped
    return day


def _current_stage_end(
    stage: Stage,
    started_on: date,
    percent: float,
    signed_off_on: date | None,
    today: date,
    notes: list[str],
    periods: tuple[Period, ...] = (),
) -> date:
    elapsed = training_days(started_on, today, periods) if periods else (today - started_on).days
    if signed_off_on is not None:
        notes.append(f"{stage.name} was signed off on {_d(signed_off_on)}.")
        return signed_off_on
    if percent >= 100:
        notes.append(f"{stage.name} has all its evidence; it ends once signed off (taken as today).")
        return today
    if percent > 0 and elapsed > 0:
        # Capped so a near-zero rate gives a far but representable date.
        remaining = ceil(min(elapsed * (100 - percent) / percent, MAX_REMAINING_DAYS))
        end = _reached(reached_on(today, today + timedelta(days=remaining), periods))
        unit = " days of training time" if periods else " days"
        notes.append(
            f"You have {percent:.0f}% of {stage.name} after {round(elapsed)}{unit}; at that rate the rest "
            f"takes about {remaining} more{unit}."
        )
    else:
        weeks = _nominal_weeks(stage) or 0
        end = max(today, _reached(reached_after_weeks(started_on, weeks, periods)))
        notes.append(
            f"No {stage.name} progress yet to measure a rate, so its length of {weeks} weeks from the curriculum is assumed."
        )
    if stage.min_weeks is not None and end < _reached(reached_after_weeks(started_on, stage.min_weeks, periods)):
        end = _reached(reached_after_weeks(started_on, stage.min_weeks, periods))
        notes.append(f"{stage.name} lasts at least {stage.min_weeks} weeks.")
    return end


def _first_sitting(part: str, sittings: Iterable[Sitting], now: datetime, today: date, not_before: date) -> tuple[date, bool]:
    """The first sitting of `part` on or after `not_before`: a known one still open for applications,
    else one every SITTING_INTERVAL_MONTHS after the last known (or today); (date, whether known)."""
    known = sorted(s.sits_on for s in sittings if s.part == part and s.window_state(now) != "closed")
    for day in known:
        if day >= not_before:
            return day, True
    last = known[-1] if known else today
    step = 1
    while add_months(last, SITTING_INTERVAL_MONTHS * step) < not_before:
        step += 1
    return add_months(last, SITTING_INTERVAL_MONTHS * step), False


def project_fellowship(
    curriculum: Curriculum,
    *,
    current_level: str,
    stage_started_on: date,
    current_percent: float,
    signed_off: Mapping[str, date],
    history: ExamHistory,
    sittings: Iterable[Sitting],
    rapm: RapmStatus | None,
    today: date,
    now: datetime,
    periods: tuple[Period, ...] = (),
) -> Projection:
    """When the tracked Fellowship items should all be done if the trainee keeps their pace.

    `signed_off` maps stage levels to end-of-stage sign-off dates. Assumes later stages take their
    curriculum length and each exam part is passed at the first sitting the rules allow. Lengths are training
    time: `periods` (LTFT, leave, OOP; competencies.training_time) stretch them."""
    try:
        return _project(
            curriculum, current_level, stage_started_on, current_percent, signed_off, history, sittings, rapm, today, now, periods
        )
    except _Stopped:
        note = "No date can be projected while an open-ended leave or time out of programme lasts: training time stops."
        return Projection(None, False, (), (note,))


def _project(
    curriculum, current_level, stage_started_on, current_percent, signed_off, history, sittings, rapm, today, now, periods
) -> Projection:
    sittings = list(sittings)
    notes: list[str] = []
    if periods:
        notes.append(
            f"Less-than-full-time training, leave and time out of programme are taken into account ({len(periods)} "
            "period(s) recorded): stage lengths and the advanced/SIA months are training time, so LTFT stretches them "
            "and leave or time out of programme adds to them."
        )
    milestones: list[tuple[str, date]] = []
    stages = sorted(curriculum.stages, key=lambda s: s.order)
    curriculum.stage_for_level("advanced")  # raises KeyError: a curriculum without an advanced stage has no projection
    current = curriculum.stage_for_level(current_level)
    ends: dict[str, date] = {}
    starts: dict[str, date] = {current.level: stage_started_on}
    previous_end = stage_started_on  # replaced by the current stage's end before any later stage reads it
    for stage in stages:
        if stage.order < current.order:
            continue
        if stage.order == current.order:
            ends[stage.level] = _current_stage_end(
                stage, stage_started_on, current_percent, signed_off.get(stage.level), today, notes, periods
            )
        else:
            starts[stage.level] = previous_end
            weeks = _nominal_weeks(stage) or 0
            ends[stage.level] = _reached(reached_after_weeks(previous_end, weeks, periods))
            notes.append(f"{stage.name} follows straight on and takes {weeks} weeks of training time (its curriculum length).")
        previous_end = ends[stage.level]
        milestones.append((f"{stage.name} complete", ends[stage.level]))
        if stage.level == "advanced":
            break
    advanced_end = signed_off.get("advanced") or ends.get("advanced")
    if advanced_end is None:  # current stage beyond advanced cannot happen; keep the projection defined
        advanced_end = today
    exam_done = history.soe.passed_on
    retake = closed = None
    if exam_done is None:
        closed = closed_route(curriculum.exam, history, today)
        if closed is None:
            exam_done, retake, closed = _project_exams(
                curriculum, history, sittings, rapm, today, now, starts, ends, milestones, notes, periods
            )
        if closed is not None:
            notes.append(f"{closed} No Fellowship date can be projected.")
            milestones = [m for m in milestones if not m[0].startswith(("MCQ", "SOE"))]
            return Projection(None, False, tuple(sorted(milestones, key=lambda m: m[1])), tuple(notes), closed, retake)
    else:
        notes.append(f"You passed the SOE on {_d(exam_done)}.")
    complete = history.soe.passed_on is not None and "advanced" in signed_off
    notes.append("The consultant-post requirement is not tracked here (whether it is required is unconfirmed).")
    projected = max(advanced_end, exam_done)
    return Projection(projected, complete, tuple(sorted(milestones, key=lambda m: m[1])), tuple(notes), None, retake)


def _project_exams(
    curriculum: Curriculum,
    history: ExamHistory,
    sittings: list[Sitting],
    rapm: RapmStatus | None,
    today: date,
    now: datetime,
    starts: dict[str, date],
    ends: dict[str, date],
    milestones: list,
    notes: list[str],
    periods: tuple[Period, ...] = (),
) -> tuple[date | None, str | None, str | None]:
    """The projected SOE pass, why the MCQ must be retaken first (if so) and why the route is closed (if so)."""
    rules = curriculum.exam
    mcq_on = history.mcq.passed_on
    retake = None
    if mcq_valid_on(rules, mcq_on, today):
        notes.append(f"You passed the MCQ on {_d(mcq_on)}; it stays valid until {_d(mcq_expires_on(rules, mcq_on))}.")
    else:
        if mcq_on is not None:
            retake = (
                f"Your MCQ pass of {_d(mcq_on)} expired on {_d(mcq_expires_on(rules, mcq_on))}: a retake of the MCQ comes first."
            )
            notes.append(retake)
        mcq_on, known = _first_sitting("MCQ", sittings, now, today, today)
        source = (
            "the first MCQ sitting you can still apply for"
            if known
            else f"an MCQ sitting every {SITTING_INTERVAL_MONTHS} months after the last one entered"
        )
        notes.append(f"You pass the MCQ at the first attempt, at {source} ({_d(mcq_on)}).")
        milestones.append(("MCQ passed", mcq_on))
    if rapm is not None:
        advanced_start = rapm.advanced_training_started_on
        notes.append(f"Advanced/SIA training started on {_d(advanced_start)} (confirmed by the RAPM).")
    else:
        advanced_start = starts.get("advanced", today)
    higher_end = ends.get("higher", today)
    time_done = _reached(advanced_training_reached_on(rules, advanced_start, periods))
    milestones.append((SOE_TIME_MILESTONE.format(months=rules.soe_min_advanced_months), time_done))
    earliest = max(mcq_on + timedelta(days=1), time_done, higher_end)
    soe_on, known = _first_sitting("SOE", sittings, now, today, earliest)
    expires = mcq_expires_on(rules, mcq_on)
    if soe_on >= expires:
        retake = (
            f"Your MCQ pass would expire on {_d(expires)}, before the first SOE you could sit ({_d(soe_on)}): "
            "a retake of the MCQ comes first."
        )
        notes.append(retake)
        if history.mcq.attempts >= rules.max_attempts_per_part:
            return None, retake, closed_route(rules, history, expires)
        mcq_on, _ = _first_sitting("MCQ", sittings, now, today, expires)  # no retake while the pass is valid
        notes.append(f"You pass the MCQ retake at the first MCQ sitting once the pass has lapsed ({_d(mcq_on)}).")
        milestones.append(("MCQ retaken", mcq_on))
        soe_on, known = _first_sitting("SOE", sittings, now, today, max(earliest, mcq_on + timedelta(days=1)))
    notes.append(
        f"You pass the SOE at the first attempt, at the first {'entered ' if known else ''}SOE sitting after "
        f"the MCQ pass, Stage 3 pain and {rules.soe_min_advanced_months} months of advanced/SIA "
        f"training ({_d(soe_on)})."
    )
    milestones.append(("SOE passed", soe_on))
    return soe_on, retake, None
