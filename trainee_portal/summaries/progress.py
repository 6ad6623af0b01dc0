"""Keeps per-trainee progress summaries current on every evidence write, and rebuilds them from scratch.

Callers take `contribution(entry)` before and after changing an entry and hand both to `record_change`,
in the same transaction as the change itself. A trainee moved between curricula keeps credit: each entry on the old
version's codes also counts, once, towards every new code they map to (competencies.transition.entry_codes), so the
tallies the pages read already hold the credit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from competencies import EvidenceCount, curriculum_progress, halo, lifecycle, transition
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import (
    CurriculumTransition,
    EvidenceCompetency,
    EvidenceEntry,
    EvidenceTally,
    HaloRequest,
    StageSignOff,
    TraineeProfile,
    TraineeProgress,
)
from trainee_portal.platform.clock import utcnow
from trainee_portal.summaries import readiness, response_times, trainee_summary

STATUS_CATEGORY = lifecycle.PROGRESS_STATUS  # how each evidence status counts towards progress

TallyKey = tuple[str, str, str, str]  # competency code, evidence type, supervision level, status category


def transitions_of(trainee_id: int) -> list[CurriculumTransition]:
    """The trainee's moves between curricula, oldest first."""
    return db.session.scalars(
        select(CurriculumTransition)
        .where(CurriculumTransition.trainee_id == trainee_id)
        .order_by(CurriculumTransition.effective_on, CurriculumTransition.id)
    ).all()


def credit_maps(trainee_ids: Iterable[int]) -> dict[int, dict[str, tuple[str, ...]]]:
    """For each of these trainees who has moved: old code → the new codes it counts towards (one query)."""
    mappings = {(m.from_version, m.to_version): m for m in curricula.registry().mappings()}
    moves: dict[int, dict] = {}
    rows = db.session.execute(
        select(CurriculumTransition.trainee_id, CurriculumTransition.from_version, CurriculumTransition.to_version)
        .where(CurriculumTransition.trainee_id.in_(list(trainee_ids)))
        .order_by(CurriculumTransition.effective_on, CurriculumTransition.id)
    )
    for trainee_id, old, new in rows:
        if (old, new) in mappings:
            moves.setdefault(trainee_id, {})[(old, new)] = mappings[(old, new)]
    return {trainee_id: transition.credit_map(found.values()) for trainee_id, found in moves.items()}


def tally_codes(trainee_id: int, codes) -> tuple[str, ...]:
    """The codes one entry of this trainee counts towards: its own, plus the mapped credit if the trainee has moved
    from the version these codes belong to (looked up only for codes some mapping carries over)."""
    codes = tuple(codes)
    sources = {old for m in curricula.registry().mappings() for old, _ in m.competencies}
    if not sources.intersection(codes):
        return codes
    return transition.entry_codes(codes, credit_maps([trainee_id]).get(trainee_id, {}))


def contribution(entry: EvidenceEntry | None) -> Counter:
    """The tally rows one entry adds to its trainee's summary (none once superseded)."""
    if entry is None or not entry.is_current:
        return Counter()
    level = entry.supervision_level or ""
    category = STATUS_CATEGORY[entry.status]
    return Counter((code, entry.evidence_type, level, category) for code in tally_codes(entry.trainee_id, entry.competency_codes))


def _upsert(table, index_elements, values: list[dict], set_):
    dialect = db.session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(values)
    return stmt.on_conflict_do_update(index_elements=index_elements, set_=set_(stmt.excluded))


def _add_tallies(trainee_id: int, delta: Counter) -> None:
    rows = [
        {
            "trainee_id": trainee_id,
            "competency_code": code,
            "evidence_type": kind,
            "supervision_level": level,
            "status": status,
            "count": n,
        }
        for (code, kind, level, status), n in sorted(delta.items())
        if n
    ]
    if rows:
        table = EvidenceTally.__table__
        db.session.execute(
            _upsert(
                table,
                [c.name for c in table.primary_key.columns],
                rows,
                lambda excluded: {"count": table.c.count + excluded.count},
            )
        )
        db.session.execute(delete(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id, EvidenceTally.count <= 0))


def record_change(trainee_id: int, before: Counter, after: Counter) -> None:
    """Apply the difference between two contributions and refresh the trainee's stage results."""
    delta = Counter(after)
    delta.subtract(before)
    _add_tallies(trainee_id, delta)
    profile = db.session.get(TraineeProfile, trainee_id)
    if profile is not None:
        profile.last_activity_at = utcnow()
    refresh_trainee(trainee_id)


def _current_contributions(trainee_id: int) -> Counter:
    total: Counter = Counter()
    entries = db.session.scalars(
        select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.superseded_at.is_(None))
    )
    for entry in entries:
        total.update(contribution(entry))
    return total


def rebuild_trainee(trainee_id: int) -> None:
    """Rebuild one trainee's tallies from their current entries, then their stage results (after a move)."""
    db.session.execute(delete(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id))
    _add_tallies(trainee_id, _current_contributions(trainee_id))
    refresh_trainee(trainee_id)


def trainee_counts(trainee_id: int, codes: Iterable[str] | None = None) -> list[EvidenceCount]:
    query = select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id)
    if codes is not None:
        query = query.where(EvidenceTally.competency_code.in_(list(codes)))
    return [
        EvidenceCount(t.competency_code, t.evidence_type, t.supervision_level or None, t.status, t.count)
        for t in db.session.scalars(query)
    ]


def closed_stage_keys(trainee_id: int, version: str) -> tuple[set[str], set[str]]:
    """(stages whose HALO is signed, stages the educational supervisor signed off) for one curriculum version."""
    halos = db.session.scalars(
        select(HaloRequest.stage_key).where(
            HaloRequest.trainee_id == trainee_id, HaloRequest.curriculum_version == version, HaloRequest.status == halo.SIGNED
        )
    )
    signed_off = db.session.scalars(
        select(StageSignOff.stage_key).where(StageSignOff.trainee_id == trainee_id, StageSignOff.curriculum_version == version)
    )
    return set(halos), set(signed_off)


def carried_signoffs(trainee_id: int, version: str) -> dict[str, StageSignOff]:
    """For a trainee moved onto `version`: each of its stages whose old counterpart was signed off on the curriculum
    they moved from (through the mapping's stage pairs), with that sign-off. Empty for a trainee who never moved."""
    found: dict[str, StageSignOff] = {}
    registry = curricula.registry()
    for move in transitions_of(trainee_id):
        if move.to_version != version:
            continue
        try:
            mapping = registry.mapping(move.from_version, move.to_version)
        except KeyError:
            continue
        old = select(StageSignOff).where(
            StageSignOff.trainee_id == trainee_id, StageSignOff.curriculum_version == move.from_version
        )
        for row in db.session.scalars(old):
            try:
                found.setdefault(mapping.stage_for(row.stage_key), row)
            except KeyError:
                continue
    return found


def refresh_trainee(trainee_id: int, counts: list[EvidenceCount] | None = None, extra: tuple | None = None) -> None:
    """Recompute the result of each stage the trainee follows (their chosen SIA at the advanced slot) from their
    tallies (a handful of rows), their region's rules (loaded here unless given) and whether each stage is closed
    (competencies.halo.stage_outcome: a signed HALO in 2021, the supervisor's sign-off in 2010); the result of a
    stage they no longer follow is dropped. Then their readiness for each upcoming ARCP panel (summaries.readiness)."""
    profile = db.session.get(TraineeProfile, trainee_id)
    if profile is None:
        return
    curriculum = curricula.curriculum(profile.curriculum_version)
    counts = trainee_counts(trainee_id) if counts is None else counts
    results = curriculum_progress(
        curriculum, counts, profile.sia_stage_key, curricula.trainee_rules(profile) if extra is None else extra
    )
    carried = _carried_percents(trainee_id, curriculum, counts)
    halos, signed_off = closed_stage_keys(trainee_id, curriculum.version)
    closed_before_move = carried_signoffs(trainee_id, curriculum.version)
    outcomes = {
        key: halo.stage_outcome(
            curriculum, sp, halo_signed=key in halos, signed_off=key in signed_off, closed_before_move=key in closed_before_move
        )
        for key, sp in results.items()
    }
    table = TraineeProgress.__table__
    rows = [
        {
            "trainee_id": trainee_id,
            "stage_key": key,
            "stage_level": sp.stage.level,
            "percent": sp.percent,
            "competencies_total": sp.total,
            "competencies_complete": sp.complete,
            "competencies_in_progress": sp.in_progress,
            "ready_for_signoff": outcomes[key].ready_for_signoff,
            "complete": outcomes[key].complete,
            "carried_percent": carried.get(key),
            "updated_at": utcnow(),
        }
        for key, sp in results.items()
    ]
    db.session.execute(
        delete(TraineeProgress).where(TraineeProgress.trainee_id == trainee_id, TraineeProgress.stage_key.not_in(list(results)))
    )
    db.session.execute(
        _upsert(
            table,
            ["trainee_id", "stage_key"],
            rows,
            lambda excluded: {
                c: getattr(excluded, c)
                for c in (
                    "stage_level",
                    "percent",
                    "competencies_total",
                    "competencies_complete",
                    "competencies_in_progress",
                    "ready_for_signoff",
                    "complete",
                    "carried_percent",
                    "updated_at",
                )
            },
        )
    )
    trainee_summary.refresh(trainee_id, curriculum.version, results)  # the cohort dashboard's and exam pipeline's row
    readiness.refresh_trainee(trainee_id)  # their readiness for upcoming ARCP panels (one query when on none)


def trajectory_percent(trainee_id: int, stage_key: str, percent: float) -> float:
    """What the behind flag compares with the expected line, as the cohort's query does: 100 for a closed stage (a
    signed HALO, a supervisor's sign-off), else `percent` or, after a move, the old stage's percent when greater."""
    row = db.session.execute(
        select(TraineeProgress.complete, TraineeProgress.carried_percent).where(
            TraineeProgress.trainee_id == trainee_id, TraineeProgress.stage_key == stage_key
        )
    ).first()
    if row is not None and row.complete:
        return 100.0
    return transition.trajectory_percent(percent, row.carried_percent if row else None)


def _carried_percents(trainee_id: int, curriculum, counts: list[EvidenceCount]) -> dict[str, float]:
    """For a trainee moved onto this curriculum: each new stage's old counterpart's percent (transition.carried_percents).
    Looked up only when the counts hold codes the curriculum does not know, which only a move leaves behind."""
    if all(curriculum.has_competency(c.competency_code) for c in counts):
        return {}
    moves = [m for m in transitions_of(trainee_id) if m.to_version == curriculum.version]
    registry = curricula.registry()
    for move in reversed(moves):
        try:
            mapping = registry.mapping(move.from_version, move.to_version)
            old = registry.get(move.from_version)
        except KeyError:
            continue
        return transition.carried_percents(mapping, old, counts)
    return {}


def recompute_all(on_trainee: Callable[[int], None] | None = None) -> int:
    """Rebuild every tally from the evidence with one aggregate query, then every stage result
    (and the supervisor response-time histogram, the other summary kept on each change)."""
    response_times.recompute()
    db.session.execute(delete(EvidenceTally))
    # The SQL form of lifecycle.PROGRESS_STATUS: a status counting as a draft (or none known) tallies as one.
    category = case(
        *((EvidenceEntry.status == status, counted) for status, counted in STATUS_CATEGORY.items() if counted != lifecycle.DRAFT),
        else_=lifecycle.DRAFT,
    )
    level = func.coalesce(EvidenceEntry.supervision_level, "")
    aggregate = (
        select(
            EvidenceEntry.trainee_id,
            EvidenceCompetency.competency_code,
            EvidenceEntry.evidence_type,
            level,
            category,
            func.count(),
        )
        .join(EvidenceCompetency, EvidenceCompetency.evidence_id == EvidenceEntry.id)
        .where(EvidenceEntry.superseded_at.is_(None))
        .group_by(EvidenceEntry.trainee_id, EvidenceCompetency.competency_code, EvidenceEntry.evidence_type, level, category)
    )
    db.session.execute(
        insert(EvidenceTally).from_select(
            ["trainee_id", "competency_code", "evidence_type", "supervision_level", "status", "count"], aggregate
        )
    )
    latest = (
        select(EvidenceEntry.trainee_id, func.max(EvidenceEntry.updated_at).label("at"))
        .group_by(EvidenceEntry.trainee_id)
        .subquery()
    )
    db.session.execute(
        update(TraineeProfile).values(
            last_activity_at=select(latest.c.at).where(latest.c.trainee_id == TraineeProfile.user_id).scalar_subquery()
        )
    )
    profiles = db.session.execute(
        select(TraineeProfile.user_id, TraineeProfile.region_id, TraineeProfile.curriculum_version).order_by(
            TraineeProfile.user_id
        )
    ).all()
    trainee_ids = [p.user_id for p in profiles]
    rules = curricula.region_rules((p.region_id, p.curriculum_version) for p in profiles)
    extra = {p.user_id: rules[(p.region_id, p.curriculum_version)] for p in profiles}
    moved = db.session.scalars(select(CurriculumTransition.trainee_id).distinct()).all()
    for trainee_id in moved:  # the few moved trainees' credit, entry by entry as on every write
        db.session.execute(delete(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id))
        _add_tallies(trainee_id, _current_contributions(trainee_id))
    trainee_ids = db.session.scalars(select(TraineeProfile.user_id).order_by(TraineeProfile.user_id)).all()
    by_trainee: dict[int, list[EvidenceCount]] = {tid: [] for tid in trainee_ids}
    for t in db.session.scalars(select(EvidenceTally)):
        by_trainee.setdefault(t.trainee_id, []).append(
            EvidenceCount(t.competency_code, t.evidence_type, t.supervision_level or None, t.status, t.count)
        )
    with trainee_summary.rebuilding():  # each trainee's summary row, rebuilt in bulk once their stages are worked out
        for trainee_id in trainee_ids:
            refresh_trainee(trainee_id, by_trainee[trainee_id], extra[trainee_id])
            if on_trainee:
                on_trainee(trainee_id)
    return len(trainee_ids)


def refresh_region(region_id: int, curriculum_version: str) -> int:
    """Recompute the stage results of every trainee of a region on one curriculum version (after its rules changed)."""
    trainee_ids = db.session.scalars(
        select(TraineeProfile.user_id).where(
            TraineeProfile.region_id == region_id, TraineeProfile.curriculum_version == curriculum_version
        )
    ).all()
    extra = curricula.region_rules([(region_id, curriculum_version)])[(region_id, curriculum_version)]
    for trainee_id in trainee_ids:
        refresh_trainee(trainee_id, extra=extra)
    return len(trainee_ids)
