"""Password reset links: asked for on the sign-in page or sent by an administrator, single-use, valid for
PASSWORD_RESET_MINUTES, and stored only as the SHA-256 of their token. The token itself is minted when the email
is sent (`send-outbox`), so not even the queued email in the database holds a working link."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy import func, select, update

from trainee_portal import audit
from trainee_portal.auth.throttle import digest
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage, PasswordResetToken, User
from trainee_portal.notifications.outbox import TOKEN_PLACEHOLDER, external_url, notify
from trainee_portal.notifications.renderers import register_renderer
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.passwords import hash_password
from trainee_portal.platform.security import end_every_session

CATEGORY = "account.password_reset"
TOKEN_LENGTHS = range(20, 101)


def _minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_MINUTES"])


def queue_link(user: User, issued_by: User | None = None) -> bool:
    """Queue a reset email for an active account (the caller commits); False when none may be sent: a deactivated
    account, or more requests this hour than PASSWORD_RESETS_PER_ACCOUNT allows (self-served only)."""
    if not user.active:
        return False
    now = utcnow()
    if issued_by is None:
        limit = parse(current_app.config["PASSWORD_RESETS_PER_ACCOUNT"])
        recent = db.session.scalar(
            select(func.count())
            .select_from(PasswordResetToken)
            .where(
                PasswordResetToken.user_id == user.id,
                PasswordResetToken.issued_by_id.is_(None),
                PasswordResetToken.created_at > now - timedelta(seconds=limit.get_expiry()),
            )
        )
        if recent >= limit.amount:
            return False
    # Until its email is sent the row holds the hash of a token nobody knows, so it opens nothing.
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=digest(secrets.token_urlsafe(32)),
            created_at=now,
            expires_at=now + timedelta(minutes=_minutes()),
            issued_by_id=issued_by.id if issued_by else None,
        )
    )
    who = f"{issued_by.name}, an administrator," if issued_by else "someone (probably you)"
    notify(
        to_email=user.email,
        category=CATEGORY,
        subject="Reset your Pain Medicine training portfolio password",
        body=(
            f"Dear {user.name},\n\n{who} asked for a link to set a new password for your account on the Pain "
            f"Medicine training portfolio:\n\n{external_url('auth.reset_password', token=TOKEN_PLACEHOLDER)}\n\n"
            f"The link works once, for {_minutes()} minutes from the request. If you did not ask for it, ignore "
            "this email: your password stays as it is.\n"
        ),
    )
    return True


def prepare_reset_body(message: OutboxMessage, now: datetime) -> str | None:
    """Mint the token of the newest outstanding link just before its email goes; None when there is none left
    (used, expired, or the account was deactivated meanwhile)."""
    token_row = db.session.scalar(
        select(PasswordResetToken)
        .join(User, User.id == PasswordResetToken.user_id)
        .where(
            func.lower(User.email) == message.to_email.lower(),
            User.active.is_(True),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .order_by(PasswordResetToken.created_at.desc(), PasswordResetToken.id.desc())
        .limit(1)
    )
    if token_row is None:
        return None
    token = secrets.token_urlsafe(32)
    token_row.token_hash = digest(token)
    db.session.commit()  # the hash is stored before the token leaves in an email
    return message.body.replace(TOKEN_PLACEHOLDER, token)


register_renderer(CATEGORY, prepare_reset_body)


def find(token: str) -> tuple[str, PasswordResetToken | None]:
    """unknown | used | expired | valid, with the token's row."""
    if len(token or "") not in TOKEN_LENGTHS:
        return "unknown", None
    row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == digest(token)))
    if row is None:
        return "unknown", None
    if row.used_at is not None or not row.user.active:
        return "used", row
    if row.expires_at <= utcnow():
        return "expired", row
    return "valid", row


def use(row: PasswordResetToken, new_password: str) -> bool:
    """Set the new password, spend this link and every other outstanding one, end every session; the caller
    commits. False when another request spent the link first."""
    now = utcnow()
    spent = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user = row.user
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    end_every_session(user)
    audit.record("account.password_reset", user, {"token_id": row.id, "issued_by_id": row.issued_by_id}, actor=user)
    return True
