"""Personal access tokens: created (the secret shown once, only its SHA-256 kept), found from a request's bearer
secret, marked as used at most once a minute, and revoked by their owner or an administrator. Each creation and
revocation is an audit record. The rules (scopes, lifetimes, format) are in competencies/api_tokens.py."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from competencies import api_tokens as rules
from trainee_portal import audit, policy
from trainee_portal.extensions import db
from trainee_portal.models import ApiToken, User
from trainee_portal.platform.clock import UK, uk_today, utcnow


class TokenRefused(Exception):
    """The token cannot be created; the message says why, in words for the person creating it."""


def new_secret() -> str:
    raw = secrets.token_bytes(rules.SECRET_BYTES)
    return rules.PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def expiry_instant(expires_on: date) -> datetime:
    """A token works through its expiry day (UK time) and stops at the midnight that ends it; stored in UTC."""
    end = datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=UK)
    return end.astimezone(UTC).replace(tzinfo=None)


def live_tokens_of(user_id: int):
    return (
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )


def tokens_of(user_id: int) -> list[ApiToken]:
    """All of a user's tokens, newest first (live, expired and revoked: the page says which)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create(user: User, name: str, scopes, expires_on: date | None) -> tuple[ApiToken, str]:
    """A new token for user (the caller commits); returns the row and the secret, which is never seen again."""
    name = " ".join((name or "").split())
    if not name:
        raise TokenRefused("Give the token a name, such as the app that will use it.")
    if len(name) > rules.NAME_MAX:
        raise TokenRefused(f"A token's name can be at most {rules.NAME_MAX} characters.")
    unknown = rules.unknown_scopes(scopes)
    if unknown:
        raise TokenRefused(f"Unknown scope: {', '.join(unknown)}.")
    chosen = rules.parse_scopes(scopes)
    if not chosen:
        raise TokenRefused("Choose at least one scope.")
    grantable = policy.api_scopes_for(user)
    beyond = [s for s in chosen if s not in grantable]
    if beyond:
        labels = ", ".join(rules.SCOPE_LABELS[s] for s in beyond)
        raise TokenRefused(f"Your account cannot grant this scope: {labels}.")
    problem = rules.expiry_problem(expires_on, uk_today())
    if problem:
        raise TokenRefused(problem)
    live = db.session.scalar(select(func.count()).select_from(live_tokens_of(user.id).subquery()))
    if live >= rules.MAX_ACTIVE_TOKENS:
        raise TokenRefused(f"You have {live} live tokens, the most one account may hold: revoke one you no longer use first.")
    secret = new_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=rules.hash_secret(secret),
        shown_part=rules.shown_part(secret),
        scopes=" ".join(chosen),
        expires_at=expiry_instant(expires_on),
    )
    db.session.add(token)
    db.session.flush()
    audit.append(
        "api_token.created",
        actor=user,
        subject_type="api_token",
        subject_id=token.id,
        # The secret's hash (never the secret) lets verify-audit tell a row whose hash was replaced by SQL.
        payload={
            "name": name,
            "scopes": list(chosen),
            "expires_at": token.expires_at.isoformat(),
            "shown": token.shown_part,
            "hash": token.token_hash,
        },
    )
    return token, secret


def authenticate(secret: str) -> ApiToken | None:
    """The live token whose secret this is, with an active owner; None for anything else. Looked up by the secret's
    hash, so the comparison never handles the secret itself."""
    secret = (secret or "").strip()
    if not rules.looks_like_token(secret):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == rules.hash_secret(secret)))
    now = utcnow()
    if token is None or not rules.is_live(token.expires_at, token.revoked_at, now):
        return None
    owner = db.session.get(User, token.user_id)
    if owner is None or not owner.active:
        return None
    return token


def record_use(token: ApiToken) -> None:
    """last_used_at, at most once a minute per token, in its own small statement (the caller commits)."""
    now = utcnow()
    if rules.should_record_use(token.last_used_at, now):
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        token.last_used_at = now


def revoke(token: ApiToken, by: User) -> bool:
    """Revoke a live token (the caller commits); False when it was already revoked. Expired tokens can be revoked
    too, so a list shows nothing that might still work."""
    if token.revoked_at is not None:
        return False
    token.revoked_at, token.revoked_by_id = utcnow(), by.id
    audit.append(
        "api_token.revoked",
        actor=by,
        trainee_id=None,
        subject_type="api_token",
        subject_id=token.id,
        payload={"name": token.name, "owner_id": token.user_id, "shown": token.shown_part},
    )
    return True
