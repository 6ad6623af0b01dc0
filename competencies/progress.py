"""Turn a trainee's evidence counts into competency, domain and stage progress, and compare
progress with the time elapsed in a stage."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from math import floor

from .curriculum import Competency, Curriculum, Domain, EvidenceRule, Stage
from .evidence import level_at_least
from .flags import BEHIND_TOLERANCE
from .provenance import SUGGESTION
from .training_time import Period, reached_after_weeks

EVIDENCE_STATUSES = ("signed", "submitted", "draft")
NOT_STARTED, IN_PROGRESS, COMPLETE = "not_started", "in_progress", "complete"
COMPETENCY_STATES = (NOT_STARTED, IN_PROGRESS, COMPLETE)


@dataclass(frozen=True)
class EvidenceCount:
    """How many evidence items of one kind claim one competency. The app aggregates rows;
    returned items arrive as "draft" because they no longer count towards anything."""

    competency_code: str
    evidence_type: str
    supervision_level: str | None
    status: str
    count: int

    def __post_init__(self) -> None:
        if self.status not in EVIDENCE_STATUSES:
            raise ValueError(f"status must be one of {EVIDENCE_STATUSES}, got {self.status!r}")
        if self.count < 0:
            raise ValueError(f"count cannot be negative, got {self.count}")


@dataclass(frozen=True)
class ExtraRule:
    """A rule added to one competency from outside the curriculum file: a region's local rule or its programme's
    suggestion, as the app keeps them. Plain data; the rule carries its own origin."""

    competency_code: str
    rule: EvidenceRule


def rules_for(competency: Competency, extra: Iterable[ExtraRule] = ()) -> tuple[EvidenceRule, ...]:
    """The rules a competency is judged by: the curriculum's, then the extra rules for this competency. An extra rule
    replaces the curriculum's suggestions of the same evidence type (a region's own numbers overrule the programme's
    defaults); national and local rules of the curriculum always stay."""
    own = [e.rule for e in extra if e.competency_code == competency.code]
    replaced = {rule.evidence_type for rule in own}
    kept = [r for r in competency.evidence if not (r.basis == SUGGESTION and r.evidence_type in replaced)]
    return (*kept, *own)


@dataclass(frozen=True)
class RuleProgress:
    rule: EvidenceRule
    counted: int  # items meeting the rule now
    pending: int  # submitted items that would count once signed
    missing: int  # max(0, minimum - counted)

    @property
    def satisfied(self) -> bool:
        return self.missing == 0

    @property
    def satisfied_units(self) -> int:
        # Capped so that surplus evidence on one rule cannot hide a gap on another.
        return min(self.counted, self.rule.minimum)


@dataclass(frozen=True)
class CompetencyProgress:
    competency: Competency
    state: str
    rules: tuple[RuleProgress, ...]
    missing: tuple[str, ...]
    evidence_total: int  # all items claiming the competency, whatever their status

    @property
    def complete(self) -> bool:
        return self.state == COMPLETE


@dataclass(frozen=True)
class DomainProgress:
    domain: Domain
    competencies: tuple[CompetencyProgress, ...]
    complete: int
    in_progress: int
    not_started: int


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    domains: tuple[DomainProgress, ...]
    competencies: tuple[CompetencyProgress, ...]
    total: int
    complete: int
    in_progress: int
    not_started: int
    required_units: int
    satisfied_units: int
    percent: float
    ready_for_signoff: bool

    @property
    def competency_percent(self) -> float:
        """The headline measure: the share of competencies complete (competency_percent)."""
        return competency_percent(self.complete, self.total)

    def competency(self, code: str) -> CompetencyProgress:
        for progress in self.competencies:
            if progress.competency.code == code:
                return progress
        raise KeyError(f"stage {self.stage.key!r} has no competency {code!r}")


def rule_progress(rule: EvidenceRule, counts: Iterable[EvidenceCount]) -> RuleProgress:
    counted = pending = 0
    for item in counts:
        if item.evidence_type != rule.evidence_type:
            continue
        if not level_at_least(item.supervision_level, rule.min_supervision):
            continue
        if item.status == "signed":
            counted += item.count
        elif item.status == "submitted":
            if rule.signoff_required:
                pending += item.count
            else:
                counted += item.count
    return RuleProgress(rule, counted, pending, max(0, rule.minimum - counted))


def competency_progress(
    competency: Competency, counts: Iterable[EvidenceCount], extra: Iterable[ExtraRule] = ()
) -> CompetencyProgress:
    """Progress on one competency from the counts that claim it (others are ignored), by rules_for()."""
    own = [c for c in counts if c.competency_code == competency.code]
    rules = tuple(rule_progress(rule, own) for rule in rules_for(competency, extra))
    total = sum(c.count for c in own)
    if all(r.satisfied for r in rules):
        state = COMPLETE
    elif total > 0 or any(r.counted > 0 for r in rules):
        state = IN_PROGRESS
    else:
        state = NOT_STARTED
    missing = tuple(r.rule.describe_count(r.missing, more=True) for r in rules if r.missing)
    return CompetencyProgress(competency, state, rules, missing, total)


def stage_share(progress: CompetencyProgress) -> tuple:
    """All a competency's progress adds to its stage's result (_stage_progress reads nothing else of it): its state
    and the units each of its rules satisfies. Counts that change without changing any competency's share leave the
    stage's progress as it was, so a summary kept per stage need not be worked out again."""
    return progress.state, tuple(r.satisfied_units for r in progress.rules)


def drafts_leave_shares(changes: Iterable[tuple[str, int, int]]) -> bool:
    """Whether a change to counts of drafts alone leaves every competency's stage share as it was, so that no stage
    needs working out again. Drafts satisfy no rule (rule_progress counts signed and submitted items only), and a
    competency's state reads them only as whether it holds any evidence at all (competency_progress: not started
    becomes in progress). So where every changed count is of drafts and held at least one item both before and after
    the change, no state and no satisfied unit moved.

    `changes`: per changed count, its status ("draft" for drafts and returned items), the change and the count
    after it. No changes: False (there is nothing to judge by)."""
    changes = list(changes)
    return bool(changes) and all(status == "draft" and min(after, after - change) >= 1 for status, change, after in changes)


def _group(counts: Iterable[EvidenceCount]) -> dict[str, list[EvidenceCount]]:
    grouped: dict[str, list[EvidenceCount]] = defaultdict(list)
    for item in counts:
        grouped[item.competency_code].append(item)
    return grouped


def _tally(progresses: Iterable[CompetencyProgress]) -> dict[str, int]:
    tally = dict.fromkeys(COMPETENCY_STATES, 0)
    for progress in progresses:
        tally[progress.state] += 1
    return tally


def _percent(satisfied: int, required: int) -> float:
    if required == 0:
        return 100.0
    # Exact half-up rounding to one decimal; never show 100.0 while a unit is still missing.
    tenths = floor(Fraction(1000 * satisfied, required) + Fraction(1, 2))
    if satisfied < required:
        tenths = min(tenths, 999)
    return tenths / 10


def _stage_progress(stage: Stage, grouped: dict[str, list[EvidenceCount]], extra: tuple[ExtraRule, ...] = ()) -> StageProgress:
    domains = []
    for domain in stage.domains:
        progresses = tuple(competency_progress(c, grouped.get(c.code, ()), extra) for c in domain.competencies)
        domains.append(DomainProgress(domain, progresses, **_tally(progresses)))
    everything = tuple(p for d in domains for p in d.competencies)
    rules = [r for p in everything for r in p.rules]
    required = sum(r.rule.minimum for r in rules)
    satisfied = sum(r.satisfied_units for r in rules)
    tally = _tally(everything)
    return StageProgress(
        stage=stage,
        domains=tuple(domains),
        competencies=everything,
        total=len(everything),
        **tally,
        required_units=required,
        satisfied_units=satisfied,
        percent=_percent(satisfied, required),
        ready_for_signoff=tally[COMPLETE] == len(everything),
    )


def stage_progress(
    curriculum: Curriculum, stage_key: str, counts: Iterable[EvidenceCount], extra_rules: Iterable[ExtraRule] = ()
) -> StageProgress:
    return _stage_progress(curriculum.stage(stage_key), _group(counts), tuple(extra_rules))


def curriculum_progress(
    curriculum: Curriculum, counts: Iterable[EvidenceCount], sia_choice: str | None = None, extra_rules: Iterable[ExtraRule] = ()
) -> dict[str, StageProgress]:
    """Progress for every stage the trainee follows (one per slot; `sia_choice` picks the SIA where several share
    one), keyed by stage key in curriculum order. Counts and extra rules for codes the curriculum does not know
    (e.g. another version's) are ignored."""
    grouped, extra = _group(counts), tuple(extra_rules)
    return {stage.key: _stage_progress(stage, grouped, extra) for stage in curriculum.followed_stages(sia_choice)}


def stage_percent_series(
    curriculum: Curriculum, stage_key: str, steps: Iterable[Iterable[EvidenceCount]], extra_rules: Iterable[ExtraRule] = ()
) -> list[float]:
    """The stage's percent after each step, each step's counts added to those of the steps before it: a trajectory of
    the evidence in place over time. Each value equals stage_progress(...).percent on the counts so far; a competency
    is judged again only when a step adds counts claiming it, so a long trajectory costs what its changes cost.

    Counts only ever add here, and a rule's satisfied units (the lesser of what it counts and its minimum) never
    fall as counts are added, so a competency whose every unit is satisfied stays so: once there, its counts are no
    longer kept or judged. However much evidence a trainee logs, the work is bounded by the units the stage requires."""
    stage, extra = curriculum.stage(stage_key), tuple(extra_rules)
    everything = stage.competencies
    positions: dict[str, list[int]] = defaultdict(list)
    for index, competency in enumerate(everything):
        positions[competency.code].append(index)
    units = [_units(competency_progress(c, (), extra)) for c in everything]  # (satisfied, required) per competency
    held: dict[str, dict[tuple, int]] = {
        code: defaultdict(int) for code, where in positions.items() if not all(_full(units[i]) for i in where)
    }
    satisfied, required = sum(s for s, _ in units), sum(r for _, r in units)
    percents = []
    for step in steps:
        touched = set()
        for item in step:
            if item.competency_code in held:
                held[item.competency_code][(item.evidence_type, item.supervision_level, item.status)] += item.count
                touched.add(item.competency_code)
        for code in touched:
            counts = [EvidenceCount(code, *key, n) for key, n in held[code].items()]
            for index in positions[code]:
                before = units[index]
                units[index] = _units(competency_progress(everything[index], counts, extra))
                satisfied += units[index][0] - before[0]
            if all(_full(units[index]) for index in positions[code]):
                del held[code]  # every unit satisfied: nothing added later can change its share
        percents.append(_percent(satisfied, required))
    return percents


def _full(units: tuple[int, int]) -> bool:
    satisfied, required = units
    return satisfied >= required


def _units(progress: CompetencyProgress) -> tuple[int, int]:
    """What one competency adds to its stage's percent: (units satisfied, units required), as _stage_progress sums them."""
    return sum(r.satisfied_units for r in progress.rules), sum(r.rule.minimum for r in progress.rules)


def trajectory_weeks(stage: Stage) -> int | None:
    """The stage length the expected trajectory runs over: its max_weeks, else its min_weeks (None: no length)."""
    return stage.max_weeks if stage.max_weeks is not None else stage.min_weeks


def trajectory_point_on(day: date, start: date) -> date:
    """The first point of a stage's trajectory at which evidence dated `day` counts, for a stage started on `start`:
    the first day on or after `day` that falls on the start's weekday. The trajectory's points are the start, every
    week or four weeks from it, and today: a point on the start's weekday counts exactly the evidence dated up to it,
    and today counts the evidence of its whole week (none is dated after today: forms refuse a future date)."""
    return day + timedelta(days=(start.weekday() - day.weekday()) % 7)


def stage_ends_on(stage: Stage, start: date, periods: tuple[Period, ...] = ()) -> date | None:
    """When a stage started on `start` reaches its trajectory length (trajectory_weeks) in training time, with
    LTFT, leave and OOP periods counted (competencies.training_time); date.max while an open-ended leave or OOP
    stops it; None for a stage without a length."""
    weeks = trajectory_weeks(stage)
    if weeks is None:
        return None
    return reached_after_weeks(start, weeks, periods) or date.max


def expected_percent(stage: Stage, start: date, today: date, end: date | None = None, periods: tuple[Period, ...] = ()) -> float:
    """Share of the stage a trainee on a straight line from `start` to `end` should have done
    by `today`, 0–100. Without `end` the stage's max_weeks (else min_weeks) of training time set the length:
    stage_ends_on with the trainee's `periods` (less than full time stretches the line; leave pauses its end)."""
    if end is None:
        end = stage_ends_on(stage, start, periods)
        if end is None:
            raise ValueError(f"stage {stage.key!r} has no length; pass an end date")
    if today <= start:
        return 0.0
    if today >= end:
        return 100.0
    return _percent((today - start).days, (end - start).days)


def is_behind(actual_percent: float, expected: float, tolerance: float = BEHIND_TOLERANCE.value) -> bool:
    """True when progress trails the expected trajectory by more than `tolerance` points (flags.BEHIND_TOLERANCE)."""
    return actual_percent < expected - tolerance


def competency_percent(complete: int, total: int) -> float:
    """The share of a stage's competencies complete, 0–100: the one progress measure pages lead with ("5 of 8
    competencies complete" beside a bar at 5/8), rounded as evidence percents are, never 100 while one is open."""
    return _percent(complete, total)
