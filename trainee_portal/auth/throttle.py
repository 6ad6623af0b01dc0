"""Failed sign-ins counted per address and per account in a store every worker shares: the database by default
(LoginFailure rows), Redis when LOGIN_THROTTLE_STORAGE_URI (else RATELIMIT_STORAGE_URI) is redis://…, through the
`limits` library's moving window. Keys are SHA-256 digests, so neither store holds addresses or emails."""

from __future__ import annotations

import hashlib
import math
import time
from datetime import timedelta

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, select

from trainee_portal.extensions import db
from trainee_portal.models import LoginFailure
from trainee_portal.platform.clock import utcnow

SETTINGS = (
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_FAILURES_PER_ACCOUNT",
    "PASSWORD_RESETS_PER_ADDRESS",
    "SIGNING_PIN_FAILURES_PER_SUPERVISOR",
)
REDIS_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://")


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _limits(setting: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[setting])


def _redis_uri() -> str | None:
    uri = current_app.config.get("LOGIN_THROTTLE_STORAGE_URI") or current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    return uri if uri.startswith(REDIS_SCHEMES) else None


def _redis_limiter(uri: str):
    limiters = current_app.extensions.setdefault("login_throttle", {})
    if uri not in limiters:
        limiters[uri] = MovingWindowRateLimiter(storage_from_string(uri))
    return limiters[uri]


def _database_wait(scope: str, key: str, item: RateLimitItem, now, held: list[int]) -> float:
    """Seconds until fewer than item.amount other attempts remain in the moving window; 0 when not locked."""
    window = timedelta(seconds=item.get_expiry())
    others = select(LoginFailure.at).where(
        LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.at > now - window, LoginFailure.id.not_in(held)
    )
    count = db.session.scalar(select(func.count()).select_from(others.subquery()))
    if count < item.amount:
        return 0
    # The lock lifts when the attempt that brought the count to the limit leaves the window.
    pivot = db.session.scalar(others.order_by(LoginFailure.at).offset(count - item.amount).limit(1))
    return max((pivot + window - now).total_seconds(), 1)


def begin(checks: list[tuple[str, str, str]]) -> tuple[int, list[int]]:
    """Before judging an attempt. checks: (scope, raw value, setting naming the limits). Returns the seconds the
    longest lock still lasts (0 if none) and what this attempt holds.

    The database store counts the attempt first (committed at once), then looks at the others: two workers judging
    attempts at the same moment each see the other's, so the limit is never exceeded however many run at once.
    Redis looks first and counts a failure afterwards (`count`), so it may pass as many extra as run concurrently."""
    uri, now, wait = _redis_uri(), utcnow(), 0.0
    if uri:
        for scope, value, setting in checks:
            for item in _limits(setting):
                stats = _redis_limiter(uri).get_window_stats(item, scope, digest(value))
                wait = max(wait, stats.reset_time - time.time() if stats.remaining == 0 else 0)
        return math.ceil(wait), []
    rows = [LoginFailure(scope=scope, key=digest(value), at=now) for scope, value, _ in checks]
    db.session.add_all(rows)
    db.session.commit()
    held = [row.id for row in rows]
    for scope, value, setting in checks:
        for item in _limits(setting):
            wait = max(wait, _database_wait(scope, digest(value), item, now, held))
    if wait:
        release(held)  # refused attempts are not counted: waiting out Retry-After is enough
    return math.ceil(wait), held


def count(checks: list[tuple[str, str, str]]) -> None:
    """The attempt counts (a failed sign-in, a reset request); drops rows older than the longest window."""
    uri = _redis_uri()
    if uri:
        for scope, value, setting in checks:
            for item in _limits(setting):
                _redis_limiter(uri).hit(item, scope, digest(value))
        return
    longest = max(item.get_expiry() for setting in SETTINGS for item in _limits(setting))
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(seconds=longest, hours=1)))
    db.session.commit()


def release(held: list[int]) -> None:
    """The attempt does not count (a successful sign-in, or one refused while locked)."""
    if held:
        db.session.execute(delete(LoginFailure).where(LoginFailure.id.in_(held)))
        db.session.commit()
