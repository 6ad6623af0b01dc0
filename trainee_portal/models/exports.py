"""Documents the app has issued (portfolio and panel-pack PDFs): each with a short verification code printed on it,
the SHA-256 of the exact bytes issued and the audit record that logged it, for the public verify page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class DocumentExport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # printed on the document and in its QR code
    kind: Mapped[str] = mapped_column(String(20))  # portfolio, panel_pack
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    panel_pack_id: Mapped[int | None] = mapped_column(ForeignKey("panel_pack.id"))
    produced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    produced_at: Mapped[datetime] = mapped_column(default=utcnow)
    covered: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON: what the document holds
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the bytes issued; set once they are built
    size: Mapped[int | None]
    audit_sequence: Mapped[int | None]  # the audit record that logged the export
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("audit_checkpoint.id"))  # the signed head it cites

    trainee = relationship("User", foreign_keys=[trainee_id])
    produced_by = relationship("User", foreign_keys=[produced_by_id])
