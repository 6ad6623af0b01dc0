"""Moving a trainee between curriculum versions: which moves are allowed, the stage they land on, the credit their
evidence on the old codes gives the new ones through the version mapping, and the side-by-side view of both.

Credit keeps each item's evidence type, supervision level and status; one item counts once towards a new code
however many of its old codes map there (entry_codes). Aggregated per-code counts cannot see items, so
credited_counts is exact only when no item claims two old codes mapped to the same new code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .curriculum import Competency, Curriculum, Stage, VersionMapping
from .flags import SUGGESTION, Threshold
from .progress import EvidenceCount, curriculum_progress

# How far ahead a move may take effect: the programme's own bound (no published source), long enough to record
# a move agreed for the next rotation.
DAYS_AHEAD = Threshold("transition_days_ahead", 92, "days ahead of today a curriculum move may take effect", SUGGESTION)


class TransitionError(ValueError):
    """A move that cannot be made; the message says why in words a form can show, `about` what: "version" or "date"."""

    def __init__(self, message: str, about: str = "version"):
        super().__init__(message)
        self.about = about


def mapping_for(mappings: Mapping[tuple[str, str], VersionMapping], from_version: str, to_version: str) -> VersionMapping:
    """The mapping from one version to another, or TransitionError naming the pair."""
    if from_version == to_version:
        raise TransitionError(f"The trainee already follows the {to_version} curriculum. Choose another version.")
    try:
        return mappings[(from_version, to_version)]
    except KeyError:
        raise TransitionError(
            f"There is no mapping from the {from_version} to the {to_version} curriculum, so evidence could not keep "
            "its credit. Choose a version with a mapping."
        ) from None


def check_date(effective_on: date, programme_start: date, today: date, previous: date | None = None) -> None:
    """A move takes effect on or after the programme start (and the trainee's last move), and at most
    DAYS_AHEAD days after today."""
    if effective_on < programme_start:
        raise TransitionError(
            f"The move cannot take effect before the trainee's programme started ({programme_start.isoformat()}).", "date"
        )
    if previous is not None and effective_on < previous:
        raise TransitionError(f"The move cannot take effect before the trainee's last move ({previous.isoformat()}).", "date")
    latest = today + timedelta(days=DAYS_AHEAD.value)
    if effective_on > latest:
        raise TransitionError(
            f"The move can take effect at most {DAYS_AHEAD.value} days ahead (by {latest.isoformat()}). "
            "Record it nearer the time.",
            "date",
        )


def stage_after_move(mapping: VersionMapping, old: Curriculum, new: Curriculum, level: str) -> Stage:
    """The new version's stage for a trainee on the old version's stage at `level`, through the mapping's stages."""
    old_stage = old.stage_for_level(level)
    try:
        return new.stage(mapping.stage_for(old_stage.key))
    except KeyError:
        raise TransitionError(f"The mapping does not say where the {old_stage.name} stage goes in {new.version}.") from None


def credit_map(mappings: Iterable[VersionMapping]) -> dict[str, tuple[str, ...]]:
    """Old code → every newer code it counts towards, following a chain of moves (2010→2021→…) to its end."""
    direct: dict[str, list[str]] = defaultdict(list)
    for mapping in mappings:
        for old, new in mapping.competencies:
            if new not in direct[old]:
                direct[old].append(new)
    result: dict[str, tuple[str, ...]] = {}
    for start in direct:
        seen: list[str] = []
        todo = list(direct[start])
        while todo:
            code = todo.pop(0)
            if code != start and code not in seen:
                seen.append(code)
                todo.extend(direct.get(code, ()))
        result[start] = tuple(seen)
    return result


def entry_codes(codes: Iterable[str], credit: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The codes one evidence item counts towards: its own, then those its codes map to, each once."""
    found: list[str] = []
    for code in codes:
        for counted in (code, *credit.get(code, ())):
            if counted not in found:
                found.append(counted)
    return tuple(found)


def credited_counts(mapping: VersionMapping, counts: Iterable[EvidenceCount]) -> list[EvidenceCount]:
    """Counts on the old version's codes turned into counts on the new codes they map to (type, level and status
    kept; unmapped codes give nothing). Per-code totals: an item claiming two old codes of one new code counts twice
    here, so the app counts items through entry_codes instead."""
    merged: dict[tuple, int] = defaultdict(int)
    for item in counts:
        for new in mapping.competencies_for(item.competency_code):
            merged[(new, item.evidence_type, item.supervision_level, item.status)] += item.count
    return [EvidenceCount(code, kind, level, status, n) for (code, kind, level, status), n in merged.items() if n]


@dataclass(frozen=True)
class CarriedCompetency:
    """One old competency in the side-by-side view: the evidence recorded against it and the new codes it feeds."""

    competency: Competency
    signed: int
    awaiting: int
    drafts: int
    counts_toward: tuple[Competency, ...]

    @property
    def carried(self) -> bool:
        return bool(self.counts_toward) and self.signed + self.awaiting > 0


@dataclass(frozen=True)
class StagePair:
    old: Stage
    new: Stage
    rows: tuple[CarriedCompetency, ...]


def side_by_side(
    mapping: VersionMapping, old: Curriculum, new: Curriculum, counts: Iterable[EvidenceCount]
) -> tuple[StagePair, ...]:
    """Each old stage beside the new stage it maps to, every old competency with its evidence and new codes."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for item in counts:
        totals[(item.competency_code, item.status)] += item.count
    pairs = []
    for old_key, new_key in mapping.stages:
        rows = tuple(
            CarriedCompetency(
                competency,
                totals[(competency.code, "signed")],
                totals[(competency.code, "submitted")],
                totals[(competency.code, "draft")],
                tuple(new.competency(code) for code in mapping.competencies_for(competency.code) if new.has_competency(code)),
            )
            for competency in old.stage(old_key).competencies
        )
        pairs.append(StagePair(old.stage(old_key), new.stage(new_key), rows))
    return tuple(pairs)


def carried_percents(mapping: VersionMapping, old: Curriculum, counts: Iterable[EvidenceCount]) -> dict[str, float]:
    """New stage key → the percent of the old stage mapped to it, from the evidence on the old codes: what the trainee
    had done before the move. The behind flag reads the greater of this and the new stage's percent, so that a move
    never flags anyone behind by itself."""
    results = curriculum_progress(old, counts)
    return {new_key: results[old_key].percent for old_key, new_key in mapping.stages}


def trajectory_percent(percent: float, carried: float | None) -> float:
    """The percent the behind flag compares with the trajectory: the stage's own, or the carried one if greater."""
    return percent if carried is None else max(percent, carried)


def stage_pair_for(pairs: Iterable[StagePair], new_stage_key: str) -> StagePair | None:
    return next((pair for pair in pairs if pair.new.key == new_stage_key), None)
