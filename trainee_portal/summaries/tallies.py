"""A trainee's evidence tallies (EvidenceTally, kept on every write by summaries.progress) as the domain core's
counts, read as plain columns: the dashboard and the stage pages read them on every request."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from competencies import EvidenceCount
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceTally


def counts_of(trainee_id: int, codes: Iterable[str] | None = None) -> list[EvidenceCount]:
    """The trainee's tallies (of these competency codes only, when given)."""
    query = select(
        EvidenceTally.competency_code,
        EvidenceTally.evidence_type,
        EvidenceTally.supervision_level,
        EvidenceTally.status,
        EvidenceTally.count,
    ).where(EvidenceTally.trainee_id == trainee_id)
    if codes is not None:
        query = query.where(EvidenceTally.competency_code.in_(list(codes)))
    return [EvidenceCount(code, kind, level or None, status, n) for code, kind, level, status, n in db.session.execute(query)]
