"""Checks that signatures still hold: every live SignOff matches its evidence's content and its audit record."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, SignOff


@dataclass(frozen=True)
class SignatureReport:
    ok: bool
    checked: int
    first_bad_signoff_id: int | None = None
    evidence_id: int | None = None
    reason: str = ""


def _signed_payloads() -> dict[int, tuple[int, str | None]]:
    """signoff id → (audit record id, content_hash in that record's payload)."""
    found = {}
    for record_id, payload in db.session.execute(
            select(AuditRecord.id, AuditRecord.payload).where(AuditRecord.action == "signoff.signed").order_by(AuditRecord.id)):
        try:
            data = json.loads(payload)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("signoff_id"), int):
            found.setdefault(data["signoff_id"], (record_id, data.get("content_hash")))
    return found


def verify_signatures(batch_size: int = 1000) -> SignatureReport:
    """Walk every non-voided signature in id order and name the first that no longer matches."""
    payloads, checked = _signed_payloads(), 0
    query = (select(SignOff).where(SignOff.voided_at.is_(None)).order_by(SignOff.id)
             .options(selectinload(SignOff.evidence).selectinload(EvidenceEntry.competencies))
             .execution_options(yield_per=batch_size))
    for signoff in db.session.scalars(query):
        entry = signoff.evidence
        bad = lambda reason: SignatureReport(False, checked, signoff.id, entry.id, reason)  # noqa: E731
        if entry.compute_content_hash() != signoff.content_hash:
            return bad("the evidence's content no longer matches what was signed: it was changed after signing")
        if entry.status != "signed" or not entry.is_current:
            return bad(f"the evidence is '{entry.status}'{'' if entry.is_current else ' and superseded'} but its signature was never voided")
        if signoff.id not in payloads:
            return bad("no signoff.signed audit record names this signature")
        record_id, audited_hash = payloads[signoff.id]
        if audited_hash != signoff.content_hash:
            return bad(f"its content hash differs from the one in audit record {record_id}: the signature row was changed")
        checked += 1
    return SignatureReport(True, checked)
