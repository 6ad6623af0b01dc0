"""A trainee's evidence tallies (EvidenceTally, kept on every write by summaries.progress) as the domain core's
counts, read as plain columns: the dashboard and the stage pages read them on every request."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select

from competencies import EvidenceCount
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceTally

# Built once, run with the trainee's id: a page that reads them on every request spends nothing building them.
_COUNTS = select(
    EvidenceTally.competency_code,
    EvidenceTally.evidence_type,
    EvidenceTally.supervision_level,
    EvidenceTally.status,
    EvidenceTally.count,
).where(EvidenceTally.trainee_id == bindparam("trainee_id"))
_COUNTS_OF_CODES = _COUNTS.where(EvidenceTally.competency_code.in_(bindparam("codes", expanding=True)))


def counts_of(trainee_id: int, codes: Iterable[str] | None = None) -> list[EvidenceCount]:
    """The trainee's tallies (of these competency codes only, when given)."""
    if codes is None:
        rows = db.session.execute(_COUNTS, {"trainee_id": trainee_id})
    else:
        rows = db.session.execute(_COUNTS_OF_CODES, {"trainee_id": trainee_id, "codes": list(codes)})
    return [EvidenceCount(code, kind, level or None, status, n) for code, kind, level, status, n in rows]
