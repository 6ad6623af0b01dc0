"""Personal access tokens for the JSON API: only the SHA-256 of each secret is kept, with its owner, scopes, expiry,
last use and revocation (the rules are in competencies/api_tokens.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the secret, hex; never the secret
    shown_part: Mapped[str] = mapped_column(String(16))  # "ptp_" and the first 8 characters, to tell tokens apart
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated scope names, canonical order
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user = relationship("User", foreign_keys=[user_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    __table_args__ = (Index("ix_api_token_user", "user_id"),)

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple(self.scopes.split())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_names
