"""Appending to and verifying the hash-chained audit log, and signing its head with a key kept outside the database.

Each record's hash covers its sequence number, content and the previous record's hash, so an edit,
deletion or reordering anywhere breaks the chain from that point on. Someone who can write the database can
still rewrite the chain and re-hash it; a checkpoint (the head's sequence and hash, signed with an Ed25519 key
held in the environment or instance/, and copied to instance/audit-checkpoints.jsonl) stops that: a rewritten
chain no longer matches any head signed before the rewrite.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import Text, bindparam, case, cast, event, func, insert, select, update
from sqlalchemy.orm import Session

from trainee_portal.extensions import db
from trainee_portal.models import AuditCheckpoint, AuditHead, AuditRecord
from trainee_portal.platform.clock import utcnow

GENESIS_HASH = "0" * 64
KEY_FILE = "audit-signing-key"
CHECKPOINT_FILE = "audit-checkpoints.jsonl"
DEFAULT_CHECKPOINT_EVERY = 200
_PENDING_LINES = "audit_checkpoint_lines"
_SEEN_HEAD = "audit_seen_head"  # session.info: the head (sequence, last_hash) this transaction last saw


def text_sha256(text: str | None) -> str:
    """The fingerprint audit payloads keep of free text (feedback, comments, notes): "" and None hash alike."""
    return hashlib.sha256((text or "").encode()).hexdigest()


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(record: AuditRecord | WrittenRecord) -> str:
    values = {name: getattr(record, name) for name in _VALUES}
    return hashlib.sha256(canonical_json(_content(record.id, record.created_at, values, record.prev_hash)).encode()).hexdigest()


_VALUES = ("actor_id", "actor_label", "action", "trainee_id", "subject_type", "subject_id", "payload")


HEAD = AuditHead.__table__
RECORDS = AuditRecord.__table__


# What the head under its row lock decides of a record: its id (the next sequence) and the hash it follows. Everything
# else of the text its hash covers is known before (hash_parts), so PostgreSQL can hash it in the append's statement.
_ID_AND_NEXT = ',"id":0,"payload":'
_PREV_AND_NEXT = ',"prev_hash":"","subject_id":'


def hash_parts(created_at: datetime, values: dict) -> tuple[str, str, str]:
    """The text record_hash hashes, for a record of these values made at `created_at`, as three parts around its id
    and its prev_hash: prefix + str(id) + middle + prev_hash + suffix is that text. Split at the keys' own places (the
    keys are sorted; inside a JSON string every quote is escaped, so neither marker can occur in a value)."""
    text = canonical_json(_content(0, created_at, values, ""))
    at_id = text.index(_ID_AND_NEXT) + len(',"id":')
    at_prev = text.index(_PREV_AND_NEXT) + len(',"prev_hash":"')
    return text[:at_id], text[at_id + 1 : at_prev], text[at_prev:]


def _content(record_id: int, created_at: datetime, values: dict, prev_hash: str) -> dict:
    return {
        "id": record_id,
        "created_at": created_at.isoformat(timespec="microseconds"),
        "actor_id": values["actor_id"],
        "actor_label": values["actor_label"],
        "action": values["action"],
        "trainee_id": values["trainee_id"],
        "subject_type": values["subject_type"],
        "subject_id": values["subject_id"],
        "payload": values["payload"],
        "prev_hash": prev_hash,
    }


def head_query():
    """The chain's head as (sequence, last_hash): a write that reads anyway can take it in the same statement and hand
    it to expect_head, so its append needs no read of its own."""
    return select(HEAD.c.sequence, HEAD.c.last_hash).where(HEAD.c.id == 1)


def expect_head(sequence: int, last_hash: str) -> None:
    """The head as this transaction last saw it: the next append tries to follow it (see append)."""
    db.session.info[_SEEN_HEAD] = (sequence, last_hash)


@functools.cache
def _statements() -> dict:
    """The append's statements, built once (building a statement costs more than sending it)."""
    seen = (HEAD.c.sequence == bindparam("seen_sequence")) & (HEAD.c.last_hash == bindparam("seen_hash"))
    follow_or_claim = (
        update(HEAD)
        .where(HEAD.c.id == 1)
        .values(
            sequence=case((seen, bindparam("new_sequence")), else_=HEAD.c.sequence + 1),
            last_hash=case((seen, bindparam("new_hash")), else_=HEAD.c.last_hash),
        )
        .returning(HEAD.c.sequence, HEAD.c.last_hash)
    )
    move = update(HEAD).where(HEAD.c.id == 1).values(last_hash=bindparam("new_hash"))
    # PostgreSQL takes a data-modifying WITH, so there the head's UPDATE and the record's INSERT are one statement
    # (one round trip less while the head's row lock is held); the record's values are bound as "r_<column>".
    record_values = [bindparam(f"r_{column.name}", type_=column.type) for column in RECORDS.c]
    return {
        "claim": update(HEAD)
        .where(HEAD.c.id == 1)
        .values(sequence=HEAD.c.sequence + 1)
        .returning(HEAD.c.sequence, HEAD.c.last_hash),
        # Still the head this transaction saw: move it to the new record. Else claim the next sequence, as "claim".
        "follow_or_claim": follow_or_claim,
        "move": move,
        "start": insert(HEAD).values(id=1, sequence=1, last_hash=GENESIS_HASH),
        "insert": insert(RECORDS),
        # PostgreSQL: move, and the record INSERTed (the first record, after "start").
        "move_and_insert": insert(RECORDS).values(record_values).add_cte(move.returning(HEAD.c.id).cte("moved")),
        "append_in_one": _append_in_one(record_values),
    }


def _append_in_one(record_values: list):
    """PostgreSQL: the whole append in one statement, whoever appended before. The head is read under its row lock
    (a writer that waited for it reads it as the other's commit left it), the record's hash is worked out there from
    the text around its id and prev_hash (hash_parts: the same UTF-8 bytes and SHA-256 as record_hash), the head is
    moved to it and the record INSERTed; answers with the record's id, prev_hash and hash (no row: no head yet)."""
    old = select(HEAD.c.sequence, HEAD.c.last_hash).where(HEAD.c.id == 1).with_for_update().cte("old")
    text = (
        bindparam("h_prefix", type_=Text)
        + cast(old.c.sequence + 1, Text)
        + bindparam("h_middle", type_=Text)
        + old.c.last_hash
        + bindparam("h_suffix", type_=Text)
    )
    record = select(
        (old.c.sequence + 1).label("id"),
        old.c.last_hash.label("prev_hash"),
        func.encode(func.sha256(func.convert_to(text, "UTF8")), "hex").label("record_hash"),
    ).cte("record")
    moved = (
        update(HEAD)
        .where(HEAD.c.id == 1)
        .values(sequence=select(record.c.id).scalar_subquery(), last_hash=select(record.c.record_hash).scalar_subquery())
        .returning(HEAD.c.id)
        .cte("moved")
    )
    computed = {"id": record.c.id, "prev_hash": record.c.prev_hash, "record_hash": record.c.record_hash}
    columns = [computed.get(column.name, value) for column, value in zip(RECORDS.c, record_values)]
    added = insert(RECORDS).from_select([column.name for column in RECORDS.c], select(*columns)).returning(RECORDS.c.id)
    return select(record.c.id, record.c.prev_hash, record.c.record_hash).add_cte(moved, added.cte("added"))


def _record_row(record: WrittenRecord, values: dict, prefix: str = "") -> dict:
    """The record's columns as bind parameters (its content, sequence, time and hashes)."""
    row = {
        **values,
        "id": record.id,
        "created_at": record.created_at,
        "prev_hash": record.prev_hash,
        "record_hash": record.record_hash,
    }
    return {f"{prefix}{name}": value for name, value in row.items()}


@dataclass
class WrittenRecord:
    """A record as append() wrote it: AuditRecord's columns, held by a plain object (the row is written by one
    INSERT, never through the session, so it needs none of a mapped object's bookkeeping)."""

    id: int
    created_at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    trainee_id: int | None
    subject_type: str
    subject_id: int | None
    payload: str
    prev_hash: str
    record_hash: str = ""


def _new_record(sequence: int, prev_hash: str, values: dict) -> WrittenRecord:
    record = WrittenRecord(id=sequence, created_at=utcnow(), prev_hash=prev_hash, **values)
    record.record_hash = record_hash(record)
    return record


def _write_record(values: dict) -> WrittenRecord:
    """The new record, written, with the head's row lock taken (held until the commit) and the head moved to it.

    PostgreSQL: one statement, whoever appended before (_append_in_one). SQLite: after the head this transaction last
    saw (expect_head), one UPDATE moves the head when nobody appended since, and the INSERT follows; when someone did,
    the same UPDATE claimed the next sequence instead, and the head's hash is moved and the record inserted. Without a
    head seen: UPDATE ... RETURNING claims the next sequence, then the same. The very first record starts the head."""
    statements = _statements()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    seen = db.session.info.pop(_SEEN_HEAD, None)
    if postgresql:
        record = _append_on_postgresql(values)
        if record is not None:
            return record
        claimed = None  # no head yet
    elif seen is not None:
        record = _new_record(seen[0] + 1, seen[1], values)
        follow = {"seen_sequence": seen[0], "seen_hash": seen[1], "new_sequence": record.id, "new_hash": record.record_hash}
        claimed = db.session.execute(statements["follow_or_claim"], follow).first()
        if claimed is not None and (claimed.sequence, claimed.last_hash) == (record.id, record.record_hash):
            db.session.execute(statements["insert"], _record_row(record, values))
            return record
    else:
        claimed = db.session.execute(statements["claim"]).first()
    if claimed is None:  # the very first record: the head starts with it
        db.session.execute(statements["start"])
        record = _new_record(1, GENESIS_HASH, values)
    else:
        record = _new_record(claimed.sequence, claimed.last_hash, values)
    if postgresql:
        db.session.execute(statements["move_and_insert"], {"new_hash": record.record_hash} | _record_row(record, values, "r_"))
    else:
        db.session.execute(statements["move"], {"new_hash": record.record_hash})
        db.session.execute(statements["insert"], _record_row(record, values))
    return record


def _append_on_postgresql(values: dict) -> WrittenRecord | None:
    """The record appended by one statement (_append_in_one); None when there is no head yet."""
    created_at = utcnow()
    prefix, middle, suffix = hash_parts(created_at, values)
    row = db.session.execute(
        _statements()["append_in_one"],
        {"h_prefix": prefix, "h_middle": middle, "h_suffix": suffix, "r_created_at": created_at}
        | {f"r_{name}": value for name, value in values.items()},
    ).first()
    if row is None:
        return None
    record = WrittenRecord(id=row.id, created_at=created_at, prev_hash=row.prev_hash, record_hash=row.record_hash, **values)
    if record_hash(record) != record.record_hash:  # never expected: the database hashed other text than record_hash
        raise RuntimeError(f"Audit record {record.id}: the database's hash is not the record's; nothing was appended.")
    return record


def append(
    action: str,
    *,
    subject_type: str,
    subject_id: int | None,
    payload: dict,
    actor=None,
    actor_label: str | None = None,
    trainee_id: int | None = None,
) -> WrittenRecord:
    """Add one record in the caller's transaction (the caller commits); every Nth record also signs the head.
    Returns the record as written (not kept in the session).

    Two statements when the head is the one the transaction saw, three otherwise; one and two on PostgreSQL
    (_write_record). The head's row lock is held from here to the commit, so appenders follow one another and a
    write takes it as late as it can.
    """
    values = {
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor_label or (f"{actor.name} <{actor.email}>" if actor is not None else "system"),
        "action": action,
        "trainee_id": trainee_id,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": canonical_json(payload),
    }
    record = _write_record(values)
    expect_head(record.id, record.record_hash)  # this transaction holds the head now: its next append follows at once
    every = int(current_app.config.get("AUDIT_CHECKPOINT_EVERY") or DEFAULT_CHECKPOINT_EVERY)
    if record.id % every == 0:
        checkpoint("interval", sequence=record.id, last_hash=record.record_hash)
    return record


def record(action: str, subject, payload: dict, *, actor=None, actor_label: str | None = None) -> WrittenRecord:
    """append() about one row: its subject type (the model's AUDIT_SUBJECT, else its table's name), its id, and the
    trainee it belongs to (its trainee_id, when it has one)."""
    return append(
        action,
        subject_type=getattr(type(subject), "AUDIT_SUBJECT", subject.__tablename__),
        subject_id=subject.id,
        trainee_id=getattr(subject, "trainee_id", None),
        payload=payload,
        actor=actor,
        actor_label=actor_label,
    )


# --- chain verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainFinding:
    record_id: int
    reason: str


def chain_findings(records, on_record=None):
    """Every break in records given in id order (a missing record, a broken link, changed content).

    Yields ChainFinding and goes on after each, from the stored hash, so one edit is named once.
    on_record(record) is called for each record (the integrity check compares signed heads there).
    """
    expected_prev, expected_id = GENESIS_HASH, 1
    for record in records:
        if record.id != expected_id:
            yield ChainFinding(
                record.id,
                f"expected record {expected_id} next, found {record.id}: "
                f"{'a record is' if record.id == expected_id + 1 else 'records are'} missing",
            )
        elif record.prev_hash != expected_prev:
            yield ChainFinding(record.id, "its link to the previous record does not match")
        if record_hash(record) != record.record_hash:
            yield ChainFinding(record.id, "its content does not match its hash: it was changed after it was written")
        if on_record is not None:
            on_record(record)
        expected_prev, expected_id = record.record_hash, record.id + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and head.last_hash != expected_prev:
        yield ChainFinding(expected_id, "records at the end of the chain are missing (the head names a later record)")


def chain_records(batch_size: int = 5000):
    """Every record as a plain row (no ORM objects kept), in id order, fetched batch_size at a time."""
    return db.session.execute(
        select(*AuditRecord.__table__.columns).order_by(AuditRecord.id).execution_options(yield_per=batch_size)
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in id order and name the first record that does not verify."""
    counted = []
    for finding in chain_findings(chain_records(batch_size), counted.append):
        return ChainReport(False, len(counted), finding.record_id, finding.reason)
    return ChainReport(True, len(counted))


# --- the signing key ----------------------------------------------------------------------------


class AuditKeyError(Exception):
    """The configured key cannot be read; the message says which setting and why."""


def _raw_key(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"{where} is not base64 text") from None
    if len(raw) != 32:
        raise AuditKeyError(f"{where} must hold 32 bytes (base64 of a raw Ed25519 key), not {len(raw)}")
    return raw


def key_file() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def create_key_file(path: Path) -> bool:
    """Write a new random key readable only by its owner, unless one is there already; True when created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode() + "\n")
    try:
        os.link(temporary, path)  # atomic and refuses to replace: two workers starting together keep one key
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink()


def signing_key(create: bool = True) -> Ed25519PrivateKey | None:
    """AUDIT_SIGNING_KEY (environment, then config), else instance/audit-signing-key (made on first use)."""
    configured = os.environ.get("AUDIT_SIGNING_KEY") or current_app.config.get("AUDIT_SIGNING_KEY")
    if configured:
        return Ed25519PrivateKey.from_private_bytes(_raw_key(configured, "AUDIT_SIGNING_KEY"))
    path = key_file()
    if not path.exists():
        if not create:
            return None
        create_key_file(path)
    return Ed25519PrivateKey.from_private_bytes(_raw_key(path.read_text(), str(path)))


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes_raw()).hexdigest()[:16]


def public_key_text(public: Ed25519PublicKey) -> str:
    return base64.b64encode(public.public_bytes_raw()).decode()


def verify_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys that verify checkpoints: AUDIT_VERIFY_KEYS (list or comma-separated) and the signing key's own."""
    listed = os.environ.get("AUDIT_VERIFY_KEYS") or current_app.config.get("AUDIT_VERIFY_KEYS") or []
    if isinstance(listed, str):
        listed = [part for part in listed.replace(",", " ").split() if part]
    keys = [Ed25519PublicKey.from_public_bytes(_raw_key(text, "AUDIT_VERIFY_KEYS")) for text in listed]
    private = signing_key(create=False)
    if private is not None:
        keys.append(private.public_key())
    return {key_id(k): k for k in keys}


# --- checkpoints --------------------------------------------------------------------------------


def checkpoint_file() -> Path:
    return Path(current_app.instance_path) / CHECKPOINT_FILE


def _signed_text(sequence: int, last_hash: str, signed_at: datetime, key: str, reason: str) -> bytes:
    return canonical_json(
        {
            "sequence": sequence,
            "last_hash": last_hash,
            "key_id": key,
            "reason": reason,
            "signed_at": signed_at.isoformat(timespec="microseconds"),
        }
    ).encode()


def checkpoint(reason: str, *, sequence: int | None = None, last_hash: str | None = None) -> AuditCheckpoint | None:
    """Sign the chain's head in the caller's transaction; its line in the checkpoint file is written on commit."""
    if sequence is None:
        head = db.session.execute(select(AuditHead.sequence, AuditHead.last_hash).where(AuditHead.id == 1)).first()
        if head is None or not head.sequence:
            return None
        sequence, last_hash = head.sequence, head.last_hash
    private = signing_key()
    key, signed_at = key_id(private.public_key()), utcnow()
    signature = base64.b64encode(private.sign(_signed_text(sequence, last_hash, signed_at, key, reason))).decode()
    row = AuditCheckpoint(
        sequence=sequence, last_hash=last_hash, signed_at=signed_at, key_id=key, signature=signature, reason=reason
    )
    db.session.add(row)
    line = canonical_json(
        {
            "sequence": sequence,
            "last_hash": last_hash,
            "key_id": key,
            "reason": reason,
            "signed_at": signed_at.isoformat(timespec="microseconds"),
            "signature": signature,
        }
    )
    db.session.info.setdefault(_PENDING_LINES, []).append((str(checkpoint_file()), line))
    return row


def restart_checkpoint_file(now: datetime) -> Path | None:
    """After a restore: keep this machine's checkpoint file aside (its later heads name records the restored
    database never had) and start a new one from the restored database's own signed heads."""
    path = checkpoint_file()
    kept = None
    if path.exists():
        kept = path.with_name(f"{path.name}.before-restore-{now:%Y%m%dT%H%M%S}")
        path.rename(kept)
    rows = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    with path.open("a", encoding="utf-8") as handle:
        for row in rows:
            handle.write(
                canonical_json(
                    {
                        "sequence": row.sequence,
                        "last_hash": row.last_hash,
                        "key_id": row.key_id,
                        "reason": row.reason,
                        "signature": row.signature,
                        "signed_at": row.signed_at.isoformat(timespec="microseconds"),
                    }
                )
                + "\n"
            )
    return kept


def take_checkpoint(reason: str) -> AuditCheckpoint | None:
    """Sign the head now and commit (exports and the audit-checkpoint command); None while the log is empty."""
    row = checkpoint(reason)
    db.session.commit()
    return row


def checkpoint_verifies(row, keys: dict[str, Ed25519PublicKey]) -> bool:
    """The signature matches the row's sequence, hash, time, key and reason under a known public key."""
    public = keys.get(row.key_id)
    if public is None:
        return False
    try:
        public.verify(
            base64.b64decode(row.signature, validate=True),
            _signed_text(row.sequence, row.last_hash, row.signed_at, row.key_id, row.reason),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


@event.listens_for(Session, "after_commit")
def _write_checkpoint_lines(session) -> None:
    """Only checkpoints whose transaction committed reach the file (a rolled-back sequence is reused)."""
    session.info.pop(_SEEN_HEAD, None)
    for path, line in session.info.pop(_PENDING_LINES, None) or ():
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as error:  # the database copy stands; say so rather than fail a committed request
            current_app.logger.error("Could not append an audit checkpoint to %s: %s", path, error)


@event.listens_for(Session, "after_rollback")
def _drop_checkpoint_lines(session) -> None:
    session.info.pop(_PENDING_LINES, None)
    session.info.pop(_SEEN_HEAD, None)
