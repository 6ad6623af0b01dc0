"""Each trainee's current evidence per stage and trajectory week, kept on every evidence write and rebuilt by
`flask recompute-progress`: what the dashboard's trajectory reads, so that the page reads rows sized by the weeks it
draws, stored together, rather than every entry of the stage and the competencies each claims.

A row counts the current entries of one stage level whose day first counts at one point of the trajectory
(competencies.trajectory_point_on: the first day on or after the entry's day falling on the weekday the trainee's
current stage started on), by evidence type, supervision level and status: with competency_code "" the entries
themselves, otherwise the claims on that competency. The trajectory's points fall on that weekday (the stage start,
then every week or four weeks) or on today, so each point counts whole rows.

The rows hang on the weekday of the stage start: a profile whose start moves to another weekday has them rebuilt by
the full refresh that follows (progress.refresh_trainee), as has one left with rows of two weekdays by a write that
read the old start while the new one was saved; and a read that finds rows of another weekday (a start
changed by hand in the database) works the weeks out from the entries instead.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from competencies import trajectory_point_on
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, EvidenceWeek, TraineeProfile

WEEKS = EvidenceWeek.__table__
ENTRIES = ""  # the competency code of the rows counting entries, not claims


@dataclass(frozen=True)
class Timeline:
    """One stage's current evidence by trajectory week (dashboard.charts.trajectory draws it)."""

    claims: list[tuple]  # (week, evidence type, supervision level, status, competency code, how many), oldest first
    entries: list[tuple]  # (week, how many entries), oldest first
    statuses: dict[str, int] = field(default_factory=dict)  # how many entries of each status in all


class DayKey(NamedTuple):
    """What one current entry adds, by its own day: once as an entry (competency_code ENTRIES) and once per
    competency it claims. Kept in the same Counter as the tallies' keys (summaries.progress.contribution) and told
    apart from them by its type."""

    stage_level: str
    on: date
    evidence_type: str
    supervision_level: str
    status: str
    competency_code: str


def day_keys(stage_level: str, on: date, evidence_type: str, supervision_level: str | None, status: str, codes) -> Counter:
    """The day keys of one current entry: one for the entry, one per competency it claims."""
    base = (stage_level, on, evidence_type, supervision_level or "", status)
    found = Counter({DayKey(*base, ENTRIES): 1})
    for code in codes:
        found[DayKey(*base, code)] += 1
    return found


def contribution(entry: EvidenceEntry) -> Counter:
    return day_keys(
        entry.stage_level, entry.occurred_on, entry.evidence_type, entry.supervision_level, entry.status, entry.competency_codes
    )


def by_week(days: Counter, start: date) -> Counter:
    """Day keys' counts gathered into the trajectory weeks of a stage started on `start` (week keys: stage level,
    week_ends_on, evidence type, supervision level, status, competency code)."""
    weeks: Counter = Counter()
    for key, n in days.items():
        weeks[(key.stage_level, trajectory_point_on(key.on, start), *key[2:])] += n
    return weeks


@functools.cache
def _add_statement(dialect: str):
    rows = (pg_insert if dialect == "postgresql" else sqlite_insert)(WEEKS)
    return rows.on_conflict_do_update(
        index_elements=[c.name for c in WEEKS.primary_key.columns], set_={"count": WEEKS.c.count + rows.excluded.count}
    )


_DROP_EMPTY = delete(WEEKS).where(WEEKS.c.trainee_id == bindparam("trainee_id"), WEEKS.c.count <= 0)


def record(trainee_id: int, start: date, delta: Counter, counted_on: date | None = None) -> None:
    """Add an evidence write's change (day keys and their change, already net) to the trainee's weeks. `counted_on`:
    a start the change was already counted on (progress.record_change's one statement takes the start the request
    loaded): it moves from that start's weeks to `start`'s."""
    weeks = by_week(delta, start)
    if counted_on is not None:
        weeks.subtract(by_week(delta, counted_on))
    rows = [_row(trainee_id, key, n) for key, n in sorted(weeks.items()) if n]
    if not rows:
        return
    db.session.execute(_add_statement(db.session.get_bind().dialect.name), rows)
    if any(row["count"] < 0 for row in rows):  # only a count that went down can have reached zero
        db.session.execute(_DROP_EMPTY, {"trainee_id": trainee_id})


def week_rows(trainee_id: int, start: date, days: Counter) -> list[dict]:
    """The week rows of a change that only adds (no count below zero) for a stage started on `start`, to be added as
    record() adds them (progress.record_change sends them within its one statement)."""
    return [_row(trainee_id, key, n) for key, n in sorted(by_week(days, start).items()) if n]


def _row(trainee_id: int, key: tuple, n: int) -> dict:
    stage_level, week_ends_on, evidence_type, supervision_level, status, code = key
    return {
        "trainee_id": trainee_id,
        "stage_level": stage_level,
        "week_ends_on": week_ends_on,
        "evidence_type": evidence_type,
        "supervision_level": supervision_level,
        "status": status,
        "competency_code": code,
        "count": n,
    }


def _entry_rows(trainee_id: int | None = None, stage_level: str | None = None):
    """(trainee id, stage level, day, type, level, status, entry id, code or None) of every current entry (of one
    trainee, of one stage), each entry once per competency it claims (once with None if it claims none), by trainee."""
    query = (
        select(
            EvidenceEntry.trainee_id,
            EvidenceEntry.stage_level,
            EvidenceEntry.occurred_on,
            EvidenceEntry.evidence_type,
            EvidenceEntry.supervision_level,
            EvidenceEntry.status,
            EvidenceEntry.id,
            EvidenceCompetency.competency_code,
        )
        .outerjoin(EvidenceCompetency, EvidenceCompetency.evidence_id == EvidenceEntry.id)
        .where(EvidenceEntry.superseded_at.is_(None))
        .order_by(EvidenceEntry.trainee_id, EvidenceEntry.id)
    )
    if trainee_id is not None:
        query = query.where(EvidenceEntry.trainee_id == trainee_id)
    if stage_level is not None:
        query = query.where(EvidenceEntry.stage_level == stage_level)
    return db.session.execute(query.execution_options(yield_per=5000))


def _days(rows: Iterable) -> Iterator[tuple[int, Counter]]:
    """Per trainee (rows by trainee, then entry), the day keys of their current entries."""
    for trainee_id, trainee_rows in itertools.groupby(rows, key=lambda row: row[0]):
        days: Counter = Counter()
        for _entry, entry_rows in itertools.groupby(trainee_rows, key=lambda row: row[6]):
            entry_rows = list(entry_rows)  # (trainee, stage, day, type, level, status, entry, code) per claim
            days.update(day_keys(*entry_rows[0][1:6], [row[7] for row in entry_rows if row[7] is not None]))
        yield trainee_id, days


def rebuild_trainee(trainee_id: int, start: date) -> None:
    """One trainee's weeks again from their current entries (their stage start moved to another weekday)."""
    db.session.execute(delete(EvidenceWeek).where(EvidenceWeek.trainee_id == trainee_id))
    for _trainee, days in _days(_entry_rows(trainee_id)):
        record(trainee_id, start, days)


_KEPT_WEEKS = select(EvidenceWeek.week_ends_on).where(EvidenceWeek.trainee_id == bindparam("trainee_id")).distinct()
_ANY_ENTRY = (
    select(EvidenceEntry.id)
    .where(EvidenceEntry.trainee_id == bindparam("trainee_id"), EvidenceEntry.superseded_at.is_(None))
    .limit(1)
)


def realign(trainee_id: int, start: date) -> None:
    """Rebuild the trainee's weeks if any was kept for a stage start on another weekday (the start moved, or a write
    that read the old start raced the change), or none is kept while they have current entries (a profile given to
    someone whose entries went uncounted without one). One read when every week is on the start's weekday, two when
    there are neither weeks nor entries."""
    kept = db.session.execute(_KEPT_WEEKS, {"trainee_id": trainee_id}).scalars().all()
    if any(week.weekday() != start.weekday() for week in kept) or (
        not kept and db.session.execute(_ANY_ENTRY, {"trainee_id": trainee_id}).first() is not None
    ):
        rebuild_trainee(trainee_id, start)


def recompute() -> None:
    """Every trainee's weeks from the evidence (trainees without a profile have no trajectory, and no rows)."""
    db.session.execute(delete(EvidenceWeek))
    starts = dict(db.session.execute(select(TraineeProfile.user_id, TraineeProfile.stage_started_on)).all())
    batch: list[dict] = []
    for trainee_id, days in _days(_entry_rows()):
        if trainee_id not in starts:
            continue
        batch.extend(_row(trainee_id, key, n) for key, n in sorted(by_week(days, starts[trainee_id]).items()) if n)
        if len(batch) >= 5000:
            db.session.execute(insert(EvidenceWeek), batch)
            batch = []
    if batch:
        db.session.execute(insert(EvidenceWeek), batch)


_TIMELINE = (  # built once, run with the trainee and stage (the dashboard reads it on every request)
    select(
        EvidenceWeek.week_ends_on,
        EvidenceWeek.evidence_type,
        EvidenceWeek.supervision_level,
        EvidenceWeek.status,
        EvidenceWeek.competency_code,
        EvidenceWeek.count,
    )
    .where(EvidenceWeek.trainee_id == bindparam("trainee_id"), EvidenceWeek.stage_level == bindparam("stage_level"))
    .order_by(EvidenceWeek.week_ends_on)
)


def timeline(trainee_id: int, stage_level: str, start: date) -> Timeline:
    """One stage's current evidence per trajectory week of a stage started on `start`: from the kept weeks (one
    read of rows stored together), or, where they were kept for a start on another weekday, from the entries."""
    rows = db.session.execute(_TIMELINE, {"trainee_id": trainee_id, "stage_level": stage_level}).all()
    if any(row[0].weekday() != start.weekday() for row in rows):
        return from_entries(trainee_id, stage_level, start)
    return _timeline(rows)


def from_entries(trainee_id: int, stage_level: str, start: date) -> Timeline:
    """The same worked out from the trainee's current entries of the stage."""
    days = next((days for _trainee, days in _days(_entry_rows(trainee_id, stage_level))), Counter())
    weeks = by_week(days, start)
    return _timeline(sorted((key[1], *key[2:], n) for key, n in weeks.items()))


def _timeline(rows: Iterable) -> Timeline:
    """A Timeline from week rows (week_ends_on, type, level, status, code, count), by week."""
    claims, entries, statuses = [], Counter(), Counter()
    for week, kind, level, status, code, n in rows:
        if code == ENTRIES:
            entries[week] += n
            statuses[status] += n
        else:
            claims.append((week, kind, level or None, status, code, n))
    return Timeline(claims, sorted(entries.items()), dict(statuses))
