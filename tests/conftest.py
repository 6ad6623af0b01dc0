"""Shared fixtures: one migrated database per test session (SQLite by default, PostgreSQL when DATABASE_URL
names one), a fresh app per session and empty tables after every test that used the database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from trainee_portal.extensions import limiter
from trainee_portal.maintenance.scratch import new_database

TEST_PASSWORD = "correct-horse-battery-staple"


def create_test_database(prefix: str = "portal_test") -> tuple[str, callable]:
    """A new empty database on the engine DATABASE_URL names (or a SQLite file); returns (url, drop)."""
    return new_database(os.environ.get("DATABASE_URL", ""), f"{prefix}_{os.getpid()}")


def make_test_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_BASE_URL": "http://localhost",  # test clients send Host: localhost; other hosts get 400
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production uses scrypt
        "UPLOAD_DIR": str(instance / "uploads"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens: tests that send mail start their own SMTP server
    }


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("instance")
    os.environ["PORTAL_INSTANCE_PATH"] = str(path)  # keep the developer's instance/config.py out of tests
    return path


@pytest.fixture(scope="session")
def database_url():
    url, drop = create_test_database()
    yield url
    drop()


@pytest.fixture(scope="session")
def app(database_url, instance_dir):
    from flask_migrate import upgrade

    from trainee_portal import create_app

    application = create_app(make_test_config(database_url, instance_dir))
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(autouse=True)
def _rate_limits_off_after_each_test():
    """The limiter is one object shared by every app a test builds: a test that builds an app with limits on must
    not leave them on, or its counts, for the shared test app (whose settings turn them off)."""
    yield
    limiter.enabled = False  # the next app built with limits on starts them again, with a new store of its own


@pytest.fixture(autouse=True)
def _database_per_test(request):
    """Tests that use the app get an app context and empty tables afterwards."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    from trainee_portal import curricula
    from trainee_portal.extensions import db

    with application.app_context():
        yield
        db.session.remove()
        _empty_tables(db)
        # The curriculum versions cached per process go with the uploads that made them (each test starts with the
        # shipped ones only, not with a version a previous test activated for up to curricula.CACHE_SECONDS).
        curricula.registry(force=True)
        db.session.remove()
        # The signed heads' copy outside the database goes with the tables it vouches for.
        (Path(application.instance_path) / "audit-checkpoints.jsonl").unlink(missing_ok=True)


def _empty_tables(db) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def clock(monkeypatch):
    """The app's clock, for the test to read (clock.today(), clock.now()) or stop (clock.set(when), with
    clock.at(when)); tests/support/clock.py has the same reading functions for helpers and factories."""
    from tests.support.clock import Clock

    return Clock(monkeypatch)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """Sign a user in through the real login form."""

    def sign_in(user, password: str = TEST_PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data.decode()[:500]
        return client

    return sign_in
