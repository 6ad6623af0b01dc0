"""Multi-source feedback rounds: the trainee's round, the raters they nominate and the raters' anonymous responses.

A response keeps no link to its rater: no rater id, no time, and a random key, so neither the trainee nor anyone
reading the tables can tell whose answers are whose. The rater row keeps only when it was invited and answered.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class MsfRound(db.Model):
    AUDIT_SUBJECT = "msf_round"
    __table_args__ = (
        CheckConstraint("status IN ('collecting','released','closed')", name="known_status"),
        Index("ix_msf_round_trainee", "trainee_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    title: Mapped[str] = mapped_column(String(120), default="")  # the placement or period, optional
    curriculum_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="collecting")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]  # released or closed
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    supervisor_comment: Mapped[str] = mapped_column(Text, default="")
    # The signed wba.msf evidence entry a release creates: what progress, readiness and panel packs count.
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_entry.id"), unique=True)
    results_sha256: Mapped[str | None] = mapped_column(String(64))  # the responses as released (verify-audit)

    trainee = relationship("User", foreign_keys=[trainee_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    evidence = relationship("EvidenceEntry")


class MsfRater(db.Model):
    AUDIT_SUBJECT = "msf_rater"
    __table_args__ = (UniqueConstraint("round_id", "email", name="uq_msf_rater_round_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("msf_round.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))  # lower case, as the mailbox it reaches
    staff_group: Mapped[str] = mapped_column(String(30))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # only the hash of the link's token
    expires_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    # The invitation email: its one-time link is minted when the outbox sends it.
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"), unique=True)

    round = relationship("MsfRound")


def _random_key() -> str:
    return secrets.token_hex(16)


class MsfResponse(db.Model):
    """One rater's answers, with their staff group and nothing that names them or orders them."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_key)
    round_id: Mapped[int] = mapped_column(ForeignKey("msf_round.id"), index=True)
    staff_group: Mapped[str] = mapped_column(String(30))
    answers: Mapped[str] = mapped_column(Text)  # canonical JSON: {"ratings": {...}, "comments": {...}}
