"""One-time links in emails (outside assessors, MSF raters): a random token whose SHA-256 alone is stored, minted just
before the email goes, with an expiry; a token of the wrong shape is never looked up."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from trainee_portal.extensions import db

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint(row, now: datetime) -> str:
    """A fresh token for the row (token_hash, expires_at); any earlier link to it stops working. Links last
    ASSESSOR_LINK_DAYS."""
    token = secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)
    row.expires_at = now + timedelta(days=int(current_app.config["ASSESSOR_LINK_DAYS"]))
    return token


def find(model, token: str, *options):
    """The row of `model` the token was minted for, or None (also for a token of the wrong shape)."""
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        return None
    return db.session.scalar(select(model).where(model.token_hash == hash_token(token)).options(*options))
