"""Keeps per-trainee progress summaries current on every evidence write, and rebuilds them from scratch.

Callers take `contribution(entry)` before and after changing an entry and hand both to `record_change`,
in the same transaction as the change itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from competencies import EvidenceCount, curriculum_progress, lifecycle
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, EvidenceTally, TraineeProfile, TraineeProgress
from trainee_portal.platform.clock import utcnow
from trainee_portal.summaries import response_times

STATUS_CATEGORY = lifecycle.PROGRESS_STATUS  # how each evidence status counts towards progress

TallyKey = tuple[str, str, str, str]  # competency code, evidence type, supervision level, status category


def contribution(entry: EvidenceEntry | None) -> Counter:
    """The tally rows one entry adds to its trainee's summary (none once superseded)."""
    if entry is None or not entry.is_current:
        return Counter()
    level = entry.supervision_level or ""
    category = STATUS_CATEGORY[entry.status]
    return Counter((code, entry.evidence_type, level, category) for code in entry.competency_codes)


def _upsert(table, index_elements, values: list[dict], set_):
    dialect = db.session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(values)
    return stmt.on_conflict_do_update(index_elements=index_elements, set_=set_(stmt.excluded))


def record_change(trainee_id: int, before: Counter, after: Counter) -> None:
    """Apply the difference between two contributions and refresh the trainee's stage results."""
    delta = Counter(after)
    delta.subtract(before)
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
    profile = db.session.get(TraineeProfile, trainee_id)
    if profile is not None:
        profile.last_activity_at = utcnow()
    refresh_trainee(trainee_id)


def trainee_counts(trainee_id: int, codes: Iterable[str] | None = None) -> list[EvidenceCount]:
    query = select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id)
    if codes is not None:
        query = query.where(EvidenceTally.competency_code.in_(list(codes)))
    return [
        EvidenceCount(t.competency_code, t.evidence_type, t.supervision_level or None, t.status, t.count)
        for t in db.session.scalars(query)
    ]


def refresh_trainee(trainee_id: int, counts: list[EvidenceCount] | None = None) -> None:
    """Recompute the result of each stage the trainee follows (their chosen SIA at the advanced slot) from their
    tallies (a handful of rows); the result of a stage they no longer follow is dropped."""
    profile = db.session.get(TraineeProfile, trainee_id)
    if profile is None:
        return
    curriculum = curricula.curriculum(profile.curriculum_version)
    results = curriculum_progress(curriculum, trainee_counts(trainee_id) if counts is None else counts, profile.sia_stage_key)
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
            "ready_for_signoff": sp.ready_for_signoff,
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
                    "updated_at",
                )
            },
        )
    )


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
    trainee_ids = db.session.scalars(select(TraineeProfile.user_id).order_by(TraineeProfile.user_id)).all()
    by_trainee: dict[int, list[EvidenceCount]] = {tid: [] for tid in trainee_ids}
    for t in db.session.scalars(select(EvidenceTally)):
        by_trainee.setdefault(t.trainee_id, []).append(
            EvidenceCount(t.competency_code, t.evidence_type, t.supervision_level or None, t.status, t.count)
        )
    for trainee_id in trainee_ids:
        refresh_trainee(trainee_id, by_trainee[trainee_id])
        if on_trainee:
            on_trainee(trainee_id)
    return len(trainee_ids)
