"""Calling the JSON API in tests: a real token's headers, and the checks every problem document must pass."""

from __future__ import annotations

from datetime import timedelta

from trainee_portal.auth import tokens
from trainee_portal.extensions import db
from trainee_portal.platform.clock import uk_today

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}


def new_token(user, scopes=("read",), days: int = 30, name: str = "Test client"):
    """(token row, secret) created through the service the account page uses, committed."""
    token, secret = tokens.create(user, name, scopes, uk_today() + timedelta(days=days))
    db.session.commit()
    return token, secret


def bearer(user, scopes=("read",), days: int = 30) -> dict:
    """Headers that authenticate as user with a new token carrying scopes."""
    _, secret = new_token(user, scopes, days)
    return {"Authorization": f"Bearer {secret}"}


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem document with this status; returns its body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert set(body) >= PROBLEM_MEMBERS, body
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"] == response.request.path
    assert "Traceback" not in response.get_data(as_text=True)
    return body
