"""Issuing a document a panel can verify: a fresh verification code, the issue in the audit log, a signed head that
covers it, the bytes built with that stamp, and their SHA-256 sealed in the log.

    issue(*, kind, trainee_id, actor, covered, build, panel_pack_id=None) -> (DocumentExport, bytes)

The order, all in the caller's transaction (the caller commits, so a build that fails leaves nothing behind):
1. the DocumentExport row with a new code (10 characters from an alphabet without look-alikes, 50 bits from
   `secrets`, grouped K7QF-2M9X-WP);
2. "document.issued" in the audit log: code, kind, trainee, pack, producer, time and what the document covers;
3. a signed checkpoint of the log's head, which is now that record: the document cites a head covering its own issue;
4. build(stamp) makes the bytes, printing the code, the verify URL and that head;
5. the row keeps their SHA-256 and size, and "document.sealed" records them: `flask verify-audit` compares the row
   with both records, so a database administrator who swaps the stored hash is caught.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable

from sqlalchemy import select

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import DocumentExport
from trainee_portal.notifications.outbox import external_url
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.stamp import Stamp

__all__ = ["KINDS", "Stamp", "issue", "new_code", "normalise_code", "verify_url"]

KINDS = {"portfolio": "Training portfolio", "panel_pack": "ARCP panel pack"}
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0/O or 1/I
CODE_LENGTH = 10  # 32**10 = 2**50 codes: guessing one at 30 tries a minute takes longer than anyone lives
GROUPS = (4, 4, 2)
CHECKPOINT_REASON = "export"


def new_code() -> str:
    """A random code as printed, e.g. K7QF-2M9X-WP."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return _grouped(raw)


def _grouped(raw: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(raw[start : start + size])
        start += size
    return "-".join(parts)


def normalise_code(text: str | None) -> str | None:
    """The code as stored, from what someone typed (any case, spaces or dashes anywhere); None when it cannot be one."""
    raw = "".join(ch for ch in (text or "").upper() if ch not in " -\t")
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return _grouped(raw)


def verify_url(code: str) -> str:
    """The verify page of a code, from PUBLIC_BASE_URL (never from the request's Host)."""
    return external_url("verify.check", code=code)


def _fresh_code() -> str:
    for _ in range(5):
        code = new_code()
        if db.session.scalar(select(DocumentExport.id).where(DocumentExport.code == code)) is None:
            return code
    raise RuntimeError("could not draw an unused verification code")  # 2**50 codes: never in practice


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def issue(
    *, kind: str, trainee_id: int, actor, covered: dict, build: Callable[[Stamp], bytes], panel_pack_id: int | None = None
) -> tuple[DocumentExport, bytes]:
    """Issue one document (see the module's docstring for the order); the caller commits."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
    produced_at = utcnow()
    export = DocumentExport(
        code=_fresh_code(),
        kind=kind,
        trainee_id=trainee_id,
        panel_pack_id=panel_pack_id,
        produced_by_id=actor.id if actor is not None else None,
        produced_at=produced_at,
        covered=audit.canonical_json(covered),
    )
    db.session.add(export)
    db.session.flush()
    issued = audit.record("document.issued", export, issued_payload(export), actor=actor)
    export.audit_sequence = issued.id
    head = audit.checkpoint(CHECKPOINT_REASON)  # the head is the issue record just written
    db.session.flush()
    export.checkpoint_id = head.id
    data = build(Stamp(export.code, verify_url(export.code), produced_at, head, issued.id))
    export.sha256, export.size = sha256_hex(data), len(data)
    audit.record("document.sealed", export, sealed_payload(export), actor=actor)
    return export, data


def issued_payload(export: DocumentExport) -> dict:
    """What document.issued records of a row (verify-audit compares the row with it)."""
    return {
        "code": export.code,
        "kind": export.kind,
        "trainee_id": export.trainee_id,
        "panel_pack_id": export.panel_pack_id,
        "produced_by_id": export.produced_by_id,
        "produced_at": export.produced_at.isoformat(timespec="microseconds"),
        "covered": json.loads(export.covered or "{}"),
    }


def sealed_payload(export: DocumentExport) -> dict:
    """What document.sealed records of a row once its bytes are built."""
    return {
        "code": export.code,
        "trainee_id": export.trainee_id,
        "sha256": export.sha256,
        "size": export.size,
        "checkpoint_id": export.checkpoint_id,
    }
