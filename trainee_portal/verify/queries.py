"""What the verify page shows of an issued document: whose it is, what it covers, and whether the audit log's records
of its issue and its bytes hold (never the evidence itself)."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import AuditCheckpoint, AuditRecord, DocumentExport, User
from trainee_portal.verify.services import KINDS, issued_payload, sha256_hex

COVERED_LABELS = {
    "curriculum": "Curriculum",
    "first_day": "Earliest entry",
    "last_day": "Latest entry",
    "evidence_entries": "Evidence entries",
    "signatures": "Signatures",
    "stage_signoffs": "Stage sign-offs",
    "halo_requests": "HALO requests",
    "exam_attempts": "Exam attempts",
    "arcp_outcomes": "ARCP outcomes",
    "panel_date": "Panel date",
    "cutoff_date": "Cut-off date",
    "items": "Items",
    "training_year": "Training year reviewed",
    "evidence": "Evidence entries",
    "halos": "HALO requests",
    "pack_sha256": "Pack fingerprint (SHA-256)",
}


@dataclass(frozen=True)
class Verification:
    export: DocumentExport
    trainee_name: str
    gmc_hint: str | None  # the GMC number's last three digits
    kind_label: str
    covered: list[tuple[str, object]]
    issue_logged: bool  # the audit record it names is its document.issued record, intact
    sealed_sha256: str | None  # the SHA-256 the log sealed
    checkpoint: AuditCheckpoint | None
    head_verifies: bool  # the signed head's signature checks out and it covers the issue record

    @property
    def consistent(self) -> bool:
        """The row, its issue record and its sealed record agree: a file can be checked against it."""
        return self.issue_logged and self.sealed_sha256 is not None and self.sealed_sha256 == self.export.sha256


def find(code: str | None) -> Verification | None:
    """The document with this (normalised) code, or None."""
    if not code:
        return None
    export = db.session.scalar(
        select(DocumentExport)
        .where(DocumentExport.code == code)
        .options(selectinload(DocumentExport.trainee).selectinload(User.trainee_profile))
    )
    if export is None:
        return None
    records = {
        r.action: r
        for r in db.session.scalars(
            select(AuditRecord)
            .where(
                AuditRecord.subject_type == DocumentExport.__tablename__,
                AuditRecord.subject_id == export.id,
                AuditRecord.action.in_(("document.issued", "document.sealed")),
            )
            .order_by(AuditRecord.id)
        )
    }
    issued, sealed = records.get("document.issued"), records.get("document.sealed")
    issue_logged = (
        issued is not None
        and issued.id == export.audit_sequence
        and audit.record_hash(issued) == issued.record_hash
        and _payload(issued) == json.loads(audit.canonical_json(issued_payload(export)))
    )
    sealed_sha256 = None
    if sealed is not None and audit.record_hash(sealed) == sealed.record_hash:
        sealed_sha256 = _payload(sealed).get("sha256")
    checkpoint = db.session.get(AuditCheckpoint, export.checkpoint_id) if export.checkpoint_id else None
    head_verifies = False
    if checkpoint is not None and export.audit_sequence is not None:
        try:
            keys = audit.verify_keys()
        except audit.AuditKeyError:
            keys = {}
        head_verifies = checkpoint.sequence >= export.audit_sequence and audit.checkpoint_verifies(checkpoint, keys)
    profile = export.trainee.trainee_profile
    return Verification(
        export=export,
        trainee_name=export.trainee.name,
        gmc_hint=profile.gmc_number[-3:] if profile is not None and profile.gmc_number else None,
        kind_label=KINDS.get(export.kind, export.kind),
        covered=[(COVERED_LABELS.get(k, k.replace("_", " ").capitalize()), _shown(v)) for k, v in _covered(export.covered)],
        issue_logged=issue_logged,
        sealed_sha256=sealed_sha256,
        checkpoint=checkpoint,
        head_verifies=head_verifies,
    )


def _covered(text: str | None) -> list[tuple[str, object]]:
    try:
        covered = json.loads(text or "{}")
    except ValueError:
        return []
    return list(covered.items()) if isinstance(covered, dict) else []


def _shown(value):
    """A covered value as the page shows it: an ISO date as "6 August 2025", a list joined, the rest as it is."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return f"{date.fromisoformat(value):%-d %B %Y}"
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def _payload(record: AuditRecord) -> dict:
    try:
        payload = json.loads(record.payload)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def same_bytes(verification: Verification, data: bytes) -> bool:
    """The file is byte for byte the one issued: its size and SHA-256 match the row's and the sealed record's."""
    if not verification.consistent or len(data) != verification.export.size:
        return False
    return hmac.compare_digest(sha256_hex(data), verification.export.sha256)
