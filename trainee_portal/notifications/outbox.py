"""Writing outbox rows in the caller's transaction, and building absolute links for emails."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage, User

TOKEN_PLACEHOLDER = "__ONE_TIME_TOKEN__"  # replaced by a freshly minted token when the email is sent


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for an email, always from PUBLIC_BASE_URL: never from the request, whose Host header the
    sender chooses."""
    parts = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:5000")
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def app_path(endpoint: str, **values) -> str:
    """A path inside the app, also from command-line jobs (in-app notification links)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def notify(
    *,
    subject: str,
    body: str,
    category: str,
    user: User | None = None,
    to_email: str | None = None,
    link: str | None = None,
    signoff_request_id: int | None = None,
) -> OutboxMessage:
    """Queue one email (and, for account holders, one in-app notification); the caller commits."""
    address = to_email or (user.email if user is not None else None)
    if not address:
        raise ValueError("a notification needs a user or an email address")
    message = OutboxMessage(
        user_id=user.id if user is not None else None,
        to_email=address,
        subject=subject[:200],
        body=body,
        link=link,
        category=category,
        signoff_request_id=signoff_request_id,
    )
    db.session.add(message)
    return message
