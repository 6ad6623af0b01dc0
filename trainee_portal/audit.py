"""Appending to and verifying the hash-chained audit log.

Each record's hash covers its sequence number, content and the previous record's hash, so an edit,
deletion or reordering anywhere breaks the chain from that point on.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, update

from trainee_portal.extensions import db
from trainee_portal.models import AuditHead, AuditRecord
from trainee_portal.models._base import utcnow

GENESIS_HASH = "0" * 64


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(record: AuditRecord) -> str:
    content = {
        "id": record.id,
        "created_at": record.created_at.isoformat(timespec="microseconds"),
        "actor_id": record.actor_id,
        "actor_label": record.actor_label,
        "action": record.action,
        "trainee_id": record.trainee_id,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "payload": record.payload,
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def _claim_next_sequence() -> tuple[int, str]:
    """Take the chain head under a write lock; the UPDATE comes first so concurrent appenders queue."""
    result = db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(sequence=AuditHead.sequence + 1))
    if result.rowcount == 0:
        db.session.add(AuditHead(id=1, sequence=1, last_hash=GENESIS_HASH))
        db.session.flush()
    head = db.session.execute(
        select(AuditHead.sequence, AuditHead.last_hash).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).one()
    return head.sequence, head.last_hash


def append(action: str, *, subject_type: str, subject_id: int | None, payload: dict,
           actor=None, actor_label: str | None = None, trainee_id: int | None = None) -> AuditRecord:
    """Add one record in the caller's transaction (the caller commits)."""
    sequence, prev_hash = _claim_next_sequence()
    record = AuditRecord(
        id=sequence,
        created_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (f"{actor.name} <{actor.email}>" if actor is not None else "system"),
        action=action,
        trainee_id=trainee_id,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=canonical_json(payload),
        prev_hash=prev_hash,
    )
    record.record_hash = record_hash(record)
    db.session.add(record)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=record.record_hash))
    return record


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in id order and name the first record that does not verify."""
    expected_prev, expected_id, checked = GENESIS_HASH, 1, 0
    query = select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=batch_size)
    for record in db.session.scalars(query):
        if record.id != expected_id:
            return ChainReport(False, checked, record.id, f"expected record {expected_id} next, found {record.id}: a record is missing")
        if record.prev_hash != expected_prev:
            return ChainReport(False, checked, record.id, "its link to the previous record does not match")
        if record_hash(record) != record.record_hash:
            return ChainReport(False, checked, record.id, "its content does not match its hash: it was changed after it was written")
        expected_prev, expected_id, checked = record.record_hash, expected_id + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and head.last_hash != expected_prev:
        return ChainReport(False, checked, expected_id, "records at the end of the chain are missing")
    return ChainReport(True, checked)
