"""The supervisor response-time histogram (SupervisorResponseDay) and its per-pair sums over the year up to each pair's
latest decision (SupervisorResponseRecent): kept on each decision, rebuilt from the requests."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from trainee_portal.extensions import db
from trainee_portal.models import SignOffRequest, SupervisorResponseDay, SupervisorResponseRecent

DECISIONS = ("signed", "returned")  # cancellations are the trainee's; assessor links have no supervisor
WINDOW_DAYS = 365  # the cohort dashboard's supervisor chart counts the decisions of the last year


def days_to_decision(created_at: datetime, decided_at: datetime) -> int:
    """Whole days from request to decision, never negative (clock skew between servers)."""
    return max(0, int((decided_at - created_at).total_seconds() // 86400))


def record_decision(signoff_request: SignOffRequest, decided_at: datetime) -> None:
    """Count one supervisor decision in the caller's transaction; one atomic upsert, safe under concurrent decisions."""
    if signoff_request.supervisor_id is None:
        return
    values = dict(
        supervisor_id=signoff_request.supervisor_id,
        trainee_id=signoff_request.requested_by_id,
        decided_on=decided_at.date(),
        days_to_decision=days_to_decision(signoff_request.created_at, decided_at),
        count=1,
    )
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SupervisorResponseDay).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["supervisor_id", "trainee_id", "decided_on", "days_to_decision"],
        set_={"count": SupervisorResponseDay.count + 1},
    )
    db.session.execute(statement)
    _refresh_recent(signoff_request.supervisor_id, signoff_request.requested_by_id)


def recent_row(supervisor_id: int, trainee_id: int, days: dict[date, Counter]) -> dict:
    """The pair's SupervisorResponseRecent row from its day rows (decided_on → Counter of days to decision)."""
    last = max(days)
    since = last - timedelta(days=WINDOW_DAYS)
    histogram = Counter()
    for decided_on, counts in days.items():
        if decided_on >= since:
            histogram.update(counts)
    return dict(
        supervisor_id=supervisor_id,
        trainee_id=trainee_id,
        last_decided_on=last,
        counted_from=since,
        days_histogram=json.dumps({str(n): histogram[n] for n in sorted(histogram) if histogram[n]}),
    )


def _refresh_recent(supervisor_id: int, trainee_id: int) -> None:
    rows = db.session.execute(
        select(SupervisorResponseDay.decided_on, SupervisorResponseDay.days_to_decision, SupervisorResponseDay.count).where(
            SupervisorResponseDay.supervisor_id == supervisor_id, SupervisorResponseDay.trainee_id == trainee_id
        )
    )
    days: dict[date, Counter] = defaultdict(Counter)
    for decided_on, n, count in rows:
        days[decided_on][n] += count
    values = recent_row(supervisor_id, trainee_id, days)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SupervisorResponseRecent).values(**values)
    columns = ("last_decided_on", "counted_from", "days_histogram")
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["supervisor_id", "trainee_id"], set_={c: getattr(statement.excluded, c) for c in columns}
        )
    )


def recompute(batch: int = 10_000) -> int:
    """Rebuild the whole histogram and its per-pair sums from the decided requests; returns the number of histogram
    rows."""
    db.session.execute(delete(SupervisorResponseDay))
    db.session.execute(delete(SupervisorResponseRecent))
    counts: Counter = Counter()
    query = (
        select(SignOffRequest.supervisor_id, SignOffRequest.requested_by_id, SignOffRequest.created_at, SignOffRequest.decided_at)
        .where(
            SignOffRequest.status.in_(DECISIONS),
            SignOffRequest.supervisor_id.is_not(None),
            SignOffRequest.decided_at.is_not(None),
        )
        .execution_options(yield_per=batch)
    )
    for supervisor_id, trainee_id, created_at, decided_at in db.session.execute(query):
        counts[(supervisor_id, trainee_id, decided_at.date(), days_to_decision(created_at, decided_at))] += 1
    rows = [dict(supervisor_id=s, trainee_id=t, decided_on=d, days_to_decision=n, count=c) for (s, t, d, n), c in counts.items()]
    for start in range(0, len(rows), batch):
        db.session.execute(insert(SupervisorResponseDay), rows[start : start + batch])
    pairs: dict[tuple[int, int], dict[date, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (s, t, d, n), c in counts.items():
        pairs[(s, t)][d][n] += c
    recent = [recent_row(s, t, days) for (s, t), days in sorted(pairs.items())]
    for start in range(0, len(recent), batch):
        db.session.execute(insert(SupervisorResponseRecent.__table__), recent[start : start + batch])
    return len(rows)
