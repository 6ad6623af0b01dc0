"""The supervisor response-time histogram (SupervisorResponseDay): kept on each decision, rebuilt from the requests."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from trainee_portal.extensions import db
from trainee_portal.models import SignOffRequest, SupervisorResponseDay

DECISIONS = ("signed", "returned")  # cancellations are the trainee's; assessor links have no supervisor


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


def recompute(batch: int = 10_000) -> int:
    """Rebuild the whole histogram from the decided requests; returns the number of histogram rows."""
    db.session.execute(delete(SupervisorResponseDay))
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
    return len(rows)
