"""Rate limits of the JSON API, counted by Flask-Limiter in the store the rest of the portal uses (Redis when
RATELIMIT_STORAGE_URI names one, so every worker counts together).

Every call with a valid token counts against that token: two tokens of one person have a budget each, as a rota app
and a logbook app of the same trainee should not stall each other, and one token running out never slows another
person. The key is the token's id, never its secret. Calls without a valid token (none, mistyped, expired, revoked)
count against the caller's address instead, to slow floods of guesses; a valid token is never refused because
someone else at the same address (a hospital's shared outgoing address) sent bad ones, and a secret of 256 random
bits is out of reach of guessing at any rate.

Over the limit the answer is a 429 problem document with Retry-After; with RATELIMIT_HEADERS_ENABLED every limited
answer carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from flask_limiter.util import get_remote_address

from trainee_portal.api.auth import request_token
from trainee_portal.extensions import limiter


def _token_key() -> str:
    token = request_token()
    return f"token:{token.id}" if token is not None else ""


def _token_message() -> str:
    return (
        f"This token has made more calls than its limit ({current_app.config['API_RATE_LIMIT']}). "
        "Wait the seconds given in Retry-After, then call again."
    )


def _address_message() -> str:
    return (
        "Too many calls without a valid token from your address "
        f"({current_app.config['API_UNAUTHENTICATED_RATE_LIMIT']}). Wait the seconds given in Retry-After, then call "
        "again with a personal access token from your account page."
    )


# One budget per token across every operation (shared limits), and one per address for calls without a valid token.
PER_TOKEN = limiter.shared_limit(
    lambda: current_app.config["API_RATE_LIMIT"],
    scope="api-token",
    key_func=_token_key,
    exempt_when=lambda: request_token() is None,
    error_message=_token_message,
)
PER_ADDRESS = limiter.shared_limit(
    lambda: current_app.config["API_UNAUTHENTICATED_RATE_LIMIT"],
    scope="api-address",
    key_func=get_remote_address,
    exempt_when=lambda: request_token() is not None,
    error_message=_address_message,
)


def apply(blueprint) -> None:
    """Both limits on every view of blueprint, checked before the view and its gate; applying them again (each app
    built in one process registers the same blueprints) changes nothing, as the limiter keeps them in a set."""
    PER_TOKEN(blueprint)
    PER_ADDRESS(blueprint)


log = logging.getLogger(__name__)


def warn_if_counted_per_worker(app: Flask) -> None:
    """With the in-memory store every worker process keeps its own count, so a token's budget is multiplied by the
    number of workers: said once at start, outside debugging and testing, with what to set instead."""
    if app.debug or app.testing:
        return
    if str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        log.warning(
            "API rate limits are counted by each worker process on its own (RATELIMIT_STORAGE_URI is memory://): "
            "with N workers a token may make N times its limit. Set RATELIMIT_STORAGE_URI=redis://… to count together."
        )
