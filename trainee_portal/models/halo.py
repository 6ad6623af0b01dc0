"""HALO requests (competencies.halo): a trainee asks for a stage's HALO with chosen evidence; a Faculty Tutor (Pain)
or RAPM of the trainee's region signs or returns it."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class HaloRequest(db.Model):
    AUDIT_SUBJECT = "halo"  # what the audit log calls these rows (audit.record)
    __table_args__ = (
        CheckConstraint("status IN ('requested','signed','returned','withdrawn')", name="known_status"),
        Index("ix_halo_request_trainee_stage", "trainee_id", "curriculum_version", "stage_key", "status"),
        Index("ix_halo_request_status", "status", "created_at"),
        # One open request per trainee and stage, even when two requests race past the service's check.
        Index(
            "uq_halo_request_open",
            "trainee_id",
            "curriculum_version",
            "stage_key",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    curriculum_version: Mapped[str] = mapped_column(String(20))
    stage_key: Mapped[str] = mapped_column(String(30))
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="requested")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    trainee = relationship("User", foreign_keys=[trainee_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    evidence: Mapped[list[HaloEvidence]] = relationship(
        back_populates="request", cascade="all, delete-orphan", lazy="selectin", order_by="HaloEvidence.evidence_id"
    )

    def audit_state(self) -> dict:
        """The row as every audit record of it states it (the integrity check compares the row with the latest)."""
        return {
            "trainee_id": self.trainee_id,
            "curriculum_version": self.curriculum_version,
            "stage_key": self.stage_key,
            "status": self.status,
            "decided_by_id": self.decided_by_id,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "statement_sha256": _sha256(self.statement),
            "comment_sha256": _sha256(self.decision_comment),
            "evidence": [[e.evidence_id, e.content_hash, e.row_version] for e in self.evidence],
        }


class HaloEvidence(db.Model):
    """One piece of evidence a HALO request names, with its content hash and row version when it was asked for."""

    request_id: Mapped[int] = mapped_column(ForeignKey("halo_request.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_entry.id"), primary_key=True, index=True)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    row_version: Mapped[int]

    request: Mapped[HaloRequest] = relationship(back_populates="evidence")
    entry = relationship("EvidenceEntry")


def _sha256(text: str | None) -> str:
    """As audit.text_sha256 (which imports the models, so cannot be imported here)."""
    return hashlib.sha256((text or "").encode()).hexdigest()
