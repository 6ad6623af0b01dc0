"""The append-only, hash-chained audit log of requests, decisions, voids and stage sign-offs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class AuditRecord(db.Model):
    __table_args__ = (Index("ix_audit_record_trainee", "trainee_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_label: Mapped[str] = mapped_column(String(200))  # who, as shown, kept even for assessors without accounts
    action: Mapped[str] = mapped_column(String(40))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor = relationship("User", foreign_keys=[actor_id])


class AuditHead(db.Model):
    """One row: the chain's last record (its sequence and hash). Every append moves it in the appender's transaction
    and so holds its row lock until the commit: appenders follow one another on both engines (audit.append)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):
    """The chain's head at one moment, signed with a key kept outside the database (instance/ or the environment).

    A chain rewritten and re-hashed by someone without the key no longer matches an earlier checkpoint.
    """

    __table_args__ = (Index("ix_audit_checkpoint_sequence", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    key_id: Mapped[str] = mapped_column(String(32))  # which public key verifies it
    signature: Mapped[str] = mapped_column(String(200))  # base64 Ed25519 signature of the canonical head
    reason: Mapped[str] = mapped_column(String(40), default="interval")  # interval | export | command
