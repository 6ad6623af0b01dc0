"""Links only from configuration: PUBLIC_BASE_URL is required outside debug and testing, every absolute link in an
email starts with it whatever Host the request named, and a request naming any other host gets 400."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import make_test_config
from tests.factories import TraineeFactory
from trainee_portal import create_app
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage
from trainee_portal.notifications.outbox import external_url

PUBLIC = "https://portfolio.example.nhs.uk"


def _production(**settings):
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "a-real-secret", **settings})


def test_the_app_refuses_to_start_without_public_base_url_outside_debug_and_testing(monkeypatch, instance_dir):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="Refusing to start without PUBLIC_BASE_URL"):
        _production()
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["TRUSTED_HOSTS"] is None


@pytest.mark.parametrize(
    "bad", ["portfolio.example.nhs.uk", "ftp://portfolio.example.nhs.uk", "https://", "https://x.nhs.uk/?a=1"]
)
def test_a_malformed_public_base_url_is_refused_with_a_clear_message(instance_dir, bad):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must be an http:// or https:// address"):
        _production(PUBLIC_BASE_URL=bad)


def test_trusted_hosts_come_from_public_base_url_plus_the_setting(monkeypatch, instance_dir):
    assert _production(PUBLIC_BASE_URL=PUBLIC + "/").config["TRUSTED_HOSTS"] == ["portfolio.example.nhs.uk"]
    monkeypatch.setenv("TRUSTED_HOSTS", "portal.internal, Backup.Example.nhs.uk")
    app = _production(PUBLIC_BASE_URL=PUBLIC)
    assert app.config["TRUSTED_HOSTS"] == ["portfolio.example.nhs.uk", "portal.internal", "backup.example.nhs.uk"]
    assert app.config["PUBLIC_BASE_URL"] == PUBLIC
    monkeypatch.delenv("TRUSTED_HOSTS")
    assert _production(PUBLIC_BASE_URL="http://127.0.0.1:5000").config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_a_forged_host_header_gets_400(client):
    assert client.get("/login").status_code == 200
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200  # a local base: both local names
    for forged in ("attacker.example", "localhost.attacker.example", "evil.example:80"):
        assert client.get("/login", headers={"Host": forged}).status_code == 400, forged
        assert client.post("/password/forgot", data={"email": "x@nhs.net"}, headers={"Host": forged}).status_code == 400
    assert db.session.scalar(select(OutboxMessage)) is None


def test_email_links_use_public_base_url_even_when_the_request_names_another_trusted_host(app, database_url, instance_dir):
    """(The session's app empties the tables afterwards.)"""
    other = create_app(
        make_test_config(database_url, instance_dir) | {"PUBLIC_BASE_URL": PUBLIC, "TRUSTED_HOSTS": "portal.internal"}
    )
    with other.app_context():
        user = TraineeFactory()
        client = other.test_client()
        assert client.get("/login", headers={"Host": "attacker.example"}).status_code == 400
        assert client.post("/password/forgot", data={"email": user.email}, headers={"Host": "portal.internal"}).status_code == 200
        body = db.session.scalar(select(OutboxMessage.body))
        assert f"{PUBLIC}/password/reset/" in body and "portal.internal" not in body
        with other.test_request_context("/", base_url="http://portal.internal"):
            assert external_url("auth.login") == f"{PUBLIC}/login"
            assert external_url("signoff.detail", request_id=7) == f"{PUBLIC}/signoff/requests/7"
        db.session.remove()


def test_a_malformed_throttle_limit_is_refused_at_start(instance_dir):
    with pytest.raises(RuntimeError, match="LOGIN_FAILURES_PER_ACCOUNT must read like"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "LOGIN_FAILURES_PER_ACCOUNT": "five a minute"})
