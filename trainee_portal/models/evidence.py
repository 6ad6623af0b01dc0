"""Evidence a trainee records (logbook entries, workplace-based assessments, reflections, certificates) and the competencies each claims."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competencies import lifecycle
from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow

EVIDENCE_STATUSES = lifecycle.STATUSES  # the check constraint spells them out as the released migration has them


class EvidenceEntry(db.Model):
    AUDIT_SUBJECT = "evidence"  # what the audit log calls these rows (audit.record)
    __table_args__ = (
        CheckConstraint("status IN ('draft','submitted','signed','returned')", name="known_status"),
        Index("ix_evidence_entry_trainee_date", "trainee_id", "occurred_on"),
        Index("ix_evidence_entry_trainee_status", "trainee_id", "status"),
        # A trainee's current entries of one stage with every column the dashboard's timeline and the logbook's
        # counts read, so they read this index and never the rows (PostgreSQL also keeps the id for the join).
        Index(
            "ix_evidence_entry_current_stage",
            "trainee_id",
            "stage_level",
            "occurred_on",
            "evidence_type",
            "supervision_level",
            "status",
            "superseded_at",  # always NULL here, but SQLite reads an index alone only if it holds every column named
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
            postgresql_include=["id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    evidence_type: Mapped[str] = mapped_column(String(30))  # a code of competencies.EVIDENCE_TYPES
    stage_level: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str | None] = mapped_column(String(40))
    hospital: Mapped[str | None] = mapped_column(String(120))
    supervision_level: Mapped[str | None] = mapped_column(String(3))
    technique: Mapped[str | None] = mapped_column(String(40))
    guidance: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    reflection: Mapped[str] = mapped_column(Text, default="")
    attachment_name: Mapped[str | None] = mapped_column(String(200))  # the name the user uploaded
    attachment_path: Mapped[str | None] = mapped_column(String(80))  # generated name under instance/uploads
    attachment_mime: Mapped[str | None] = mapped_column(String(60))
    attachment_size: Mapped[int | None]
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))  # the file's bytes, checked by verify-audit
    status: Mapped[str] = mapped_column(String(12), default=lifecycle.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    # Optimistic lock: every write of the row adds one, and a save carries the number its form was built from.
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Unique: an entry is replaced by one newer version at most, even if two requests race past the guarded update.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_entry.id"), unique=True)
    superseded_at: Mapped[datetime | None]  # set when a newer version replaces this one
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]

    trainee = relationship("User", foreign_keys=[trainee_id])
    competencies: Mapped[list[EvidenceCompetency]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", lazy="selectin", order_by="EvidenceCompetency.competency_code"
    )
    supersedes: Mapped[EvidenceEntry | None] = relationship(remote_side=[id])

    @property
    def competency_codes(self) -> tuple[str, ...]:
        return tuple(c.competency_code for c in self.competencies)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    # What the trainee describes about the event, beyond its kind, date and title (form, CSV and hash share it).
    DETAIL_FIELDS = ("setting", "hospital", "supervision_level", "technique", "guidance", "notes", "reflection")
    # The signed content, in this order (the content hash depends on it).
    CONTENT_FIELDS = (
        "trainee_id",
        "evidence_type",
        "stage_level",
        "occurred_on",
        "title",
        *DETAIL_FIELDS,
        "attachment_path",
        "version",
    )

    def compute_content_hash(self) -> str:
        """SHA-256 of what a signature covers: every content field and the claimed competencies."""
        content = {name: getattr(self, name) for name in self.CONTENT_FIELDS}
        content["occurred_on"] = self.occurred_on.isoformat() if self.occurred_on else None
        content["competencies"] = sorted(self.competency_codes)
        encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(encoded.encode()).hexdigest()


class EvidenceCompetency(db.Model):
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_entry.id"), primary_key=True)
    competency_code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)

    evidence: Mapped[EvidenceEntry] = relationship(back_populates="competencies")
