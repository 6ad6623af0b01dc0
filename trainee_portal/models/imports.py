"""Logbook imports run in the background: one job per uploaded file, and one fingerprint per row it imported (unique
per trainee, so no two imports, even running at once, add the same row twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class ImportJob(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    filename: Mapped[str] = mapped_column(String(200))  # as audited_name keeps it: never a patient identifier
    file_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    stored_name: Mapped[str | None] = mapped_column(String(80))  # the upload in instance/imports/, gone once finished
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    rows_total: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_checked: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_imported: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_skipped: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_rejected: Mapped[int] = mapped_column(default=0, server_default="0")
    problems: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON: [row, column, message]
    skipped_rows: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON: the first row numbers
    ignored_columns: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON
    failure: Mapped[str | None] = mapped_column(Text)  # why the job failed, for the trainee to read
    source_format: Mapped[str] = mapped_column(String(10), default="portal", server_default="portal")  # import_formats
    mapping: Mapped[str | None] = mapped_column(Text)  # JSON {column: field} for a mapped format, else None
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    trainee = relationship("User", foreign_keys=[trainee_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    __table_args__ = (Index("ix_import_job_trainee_file", "trainee_id", "file_sha256"),)


class ImportedRow(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    import_job_id: Mapped[int | None] = mapped_column(ForeignKey("import_job.id"))
    row_number: Mapped[int]

    __table_args__ = (UniqueConstraint("trainee_id", "fingerprint"),)
