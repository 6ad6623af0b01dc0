"""Password reset by email: the same answer whether or not the account exists, a single-use link valid for
PASSWORD_RESET_MINUTES whose token exists only in the email (the database keeps its SHA-256), sessions ended on
use, throttled requests, and an administrator's "Send a password reset link"."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from tests.factories import AdminFactory, TraineeFactory
from tests.support import clock
from tests.support.clients import Browser
from trainee_portal.auth import reset
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, OutboxMessage, PasswordResetToken
from trainee_portal.notifications.sender import send_due

NEW_PASSWORD = "amber-kettle-harbour-41"
LINK = re.compile(r"(https?://\S+/password/reset/)([A-Za-z0-9_-]+)")


def _ask(client, email: str, **kwargs):
    return client.post("/password/forgot", data={"email": email}, **kwargs)


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def _emailed_link(smtp, address: str) -> tuple[str, str]:
    assert send_due().sent >= 1
    body = _body([m for m in smtp.messages if m["To"] == address][-1])
    match = LINK.search(body)
    assert match, body
    return match.group(0), match.group(2)


def _path(link: str) -> str:
    return link.split("localhost", 1)[1]


def _new_token(user, minutes: int = 30, used: bool = False) -> str:
    """A link as if it had been emailed (the tests that need several at once)."""
    token = f"test-token-{user.id}-{minutes}-{used}-padding-padding"
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=clock.now() + timedelta(minutes=minutes),
            used_at=clock.now() if used else None,
        )
    )
    db.session.commit()
    return token


def test_the_sign_in_page_offers_a_reset(client):
    page = client.get("/login").data.decode()
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page
    assert client.get("/password/forgot").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client):
    user = TraineeFactory()
    known, unknown = _ask(client, user.email), _ask(client, "nobody-here@nhs.net")
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert "If an active account uses that address" in known.data.decode()
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to_email for m in messages] == [user.email]


def test_known_and_unknown_addresses_are_answered_after_the_same_time(client, app, monkeypatch):
    import statistics
    import time

    monkeypatch.setitem(app.config, "PASSWORD_RESETS_PER_ADDRESS", "100 per minute")
    user, floor = TraineeFactory(), app.config["PASSWORD_RESET_ANSWER_SECONDS"]
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(4):
        for kind, email in (("known", user.email), ("unknown", f"nobody{n}@nhs.net")):
            started = time.perf_counter()
            assert _ask(client, email).status_code == 200
            timings[kind].append(time.perf_counter() - started)
    assert min(timings["known"] + timings["unknown"]) >= floor
    known, unknown = statistics.median(timings["known"]), statistics.median(timings["unknown"])
    assert abs(known - unknown) < 0.1 * floor, timings


def test_a_forgotten_password_is_reset_end_to_end_by_email(app, client, smtp):
    user = TraineeFactory(name="Dr Imogen Hartwell")  # a password built on the name must be refused
    elsewhere = Browser(app)
    elsewhere.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert elsewhere.signed_in()
    _ask(client, user.email.upper())
    queued = db.session.scalar(select(OutboxMessage))
    assert reset.TOKEN_PLACEHOLDER in queued.body, "the queued email holds no working link"

    link, token = _emailed_link(smtp, user.email)
    assert link.startswith("http://localhost/password/reset/")
    row = db.session.scalar(select(PasswordResetToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in db.session.scalar(select(OutboxMessage.body)), "the token never reaches the database"
    assert row.expires_at - row.created_at == timedelta(minutes=30)

    assert client.get(_path(link)).status_code == 200
    weak = client.post(_path(link), data={"new_password": "Password1234", "confirm_password": "Password1234"})
    assert weak.status_code == 400 and "too common" in weak.data.decode()
    named = client.post(
        _path(link),
        data={"new_password": f"{user.name.split()[-1]}19851985", "confirm_password": f"{user.name.split()[-1]}19851985"},
    )
    assert named.status_code == 400
    done = client.post(_path(link), data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert not elsewhere.signed_in(), "every session of the account ended"
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 400
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PasswordResetToken, row.id).used_at is not None
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "account.password_reset"))
    assert audit is not None and audit.subject_id == user.id
    client.post("/logout")
    again = client.get(_path(link))
    assert again.status_code == 410 and "already been used" in again.data.decode()


def test_expired_used_and_unknown_links_get_a_clear_page(client):
    user = TraineeFactory()
    expired, used = _new_token(user, minutes=-1), _new_token(user, used=True)
    for token, status, words in (
        (expired, 410, "has expired"),
        (used, 410, "already been used"),
        ("x" * 43, 404, "do not recognise"),
        ("short", 404, "do not recognise"),
    ):
        response = client.get(f"/password/reset/{token}")
        assert response.status_code == status and words in response.data.decode(), token
        posted = client.post(f"/password/reset/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
        assert posted.status_code == status
    db.session.expire_all()
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302


def test_using_one_link_spends_every_other_outstanding_link(client):
    user = TraineeFactory()
    first, second = _new_token(user), _new_token(user, minutes=20)
    assert (
        client.post(
            f"/password/reset/{second}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    assert client.get(f"/password/reset/{first}").status_code == 410


def test_deactivated_accounts_get_no_link(client, smtp):
    user = TraineeFactory(active=False)
    assert _ask(client, user.email).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    active = TraineeFactory()
    _ask(client, active.email)
    active.active = False  # deactivated after asking: the queued email goes nowhere
    db.session.commit()
    report = send_due()
    assert report.sent == 0 and report.skipped == 1 and smtp.messages == []


def test_reset_requests_are_throttled_per_account_and_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESETS_PER_ACCOUNT", "2 per hour")
    monkeypatch.setitem(app.config, "PASSWORD_RESETS_PER_ADDRESS", "4 per 15 minutes")
    user = TraineeFactory()
    answers = [_ask(client, user.email) for _ in range(3)]
    assert {a.status_code for a in answers} == {200} and len({a.data for a in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 2, "a third email is not sent"
    assert _ask(client, "someone-else@nhs.net").status_code == 200
    locked = _ask(client, "someone-else@nhs.net")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many reset requests" in locked.data.decode()
    other_address = _ask(client, "someone-else@nhs.net", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_address.status_code == 200


def test_an_administrator_sends_a_reset_link_and_ends_the_users_sessions(app, smtp):
    admin, user = AdminFactory(), TraineeFactory()
    administrator, trainee = Browser(app), Browser(app)
    administrator.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    trainee.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    page = administrator.get(f"/admin/users/{user.id}").data.decode()
    assert "Send a password reset link" in page
    response = administrator.post(f"/admin/users/{user.id}/password-reset")
    assert response.status_code == 302
    assert "A password reset link is on its way" in administrator.get(response.headers["Location"]).data.decode()
    row = db.session.scalar(select(PasswordResetToken))
    assert row.user_id == user.id and row.issued_by_id == admin.id
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "account.password_reset_sent"))
    assert audit.actor_id == admin.id and audit.subject_id == user.id
    assert not trainee.signed_in()
    link, _token = _emailed_link(smtp, user.email)
    assert "an administrator" in _body(smtp.messages[-1])
    assert (
        Browser(app).post(_path(link), data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    )


@pytest.mark.parametrize("case", ["own account", "deactivated"])
def test_no_admin_link_for_ones_own_or_a_deactivated_account(app, case):
    admin = AdminFactory()
    target = admin if case == "own account" else TraineeFactory(active=False)
    administrator = Browser(app)
    administrator.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    response = administrator.post(f"/admin/users/{target.id}/password-reset")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
