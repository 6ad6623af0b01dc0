"""Failed sign-ins are throttled per address and per account in a store every worker shares (the database, or
Redis when configured): 429 with Retry-After from the configured limit on, for the right password too while locked,
and the same answer whether or not the account exists."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD, create_test_database
from tests.factories import TraineeFactory
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import LoginFailure

PROJECT_ROOT = Path(__file__).resolve().parents[3]
LOCKED = "Too many failed sign-in attempts"


def _try(client, email: str, password: str = "not-the-password-at-all", address: str = "203.0.113.5"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_one_address_is_locked_after_the_address_limit_even_with_the_right_password(client):
    user = TraineeFactory()
    statuses = [_try(client, f"guess{n}@nhs.net").status_code for n in range(10)]
    assert statuses == [400] * 10
    locked = _try(client, user.email, TEST_PASSWORD)
    assert locked.status_code == 429 and LOCKED in locked.data.decode()
    assert 0 < int(locked.headers["Retry-After"]) <= 60
    assert _try(client, user.email, TEST_PASSWORD, address="198.51.100.20").status_code == 302, "other addresses still sign in"


def test_one_account_is_locked_after_the_account_limit_from_any_address(client):
    user = TraineeFactory()
    for n in range(5):
        assert _try(client, user.email.upper(), address=f"198.51.100.{n}").status_code == 400
    locked = _try(client, user.email, TEST_PASSWORD, address="192.0.2.99")
    assert locked.status_code == 429 and 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60


def test_a_locked_account_and_a_locked_unknown_address_look_the_same(client):
    user = TraineeFactory()
    for email in (user.email, "no-such-person@nhs.net"):
        for n in range(5):
            _try(client, email, address=f"198.51.100.{n}")
    known, unknown = (_try(client, email, address="192.0.2.1") for email in (user.email, "no-such-person@nhs.net"))
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert known.data.replace(user.email.encode(), b"") == unknown.data.replace(b"no-such-person@nhs.net", b"")


def test_a_successful_sign_in_does_not_clear_the_address_counter(client):
    user = TraineeFactory()
    for n in range(9):
        _try(client, f"guess{n}@nhs.net")
    assert _try(client, user.email, TEST_PASSWORD).status_code == 302
    client.post("/logout")
    assert _try(client, "guess9@nhs.net").status_code == 400
    assert _try(client, "guess10@nhs.net").status_code == 429


def test_the_store_keeps_only_digests_and_prunes_old_rows(client):
    _try(client, "someone@nhs.net")
    keys = db.session.scalars(select(LoginFailure.key)).all()
    assert len(keys) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    db.session.add(LoginFailure(scope="address", key="0" * 64, at=clock.now() - timedelta(days=1)))
    db.session.commit()
    _try(client, "someone@nhs.net")
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 4


def test_redis_store_when_configured(app, client, monkeypatch):
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running at 127.0.0.1:6379: start it (`redis-server --daemonize yes`; .ci/run does)")
    monkeypatch.setitem(app.config, "LOGIN_THROTTLE_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", "3 per minute")
    # Fresh keys: the Redis server outlives tests and is shared by every test run on this machine.
    address, run = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}", secrets.token_hex(4)
    statuses = [_try(client, f"guess{n}.{run}@nhs.net", address=address).status_code for n in range(5)]
    assert statuses == [400, 400, 400, 429, 429]
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0, "nothing went to the database"


# --- across real workers --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(log: Path, statuses: tuple[str, ...] = ("200",)) -> Counter:
    """Requests per gunicorn worker process, from the access log ("<pid> <status>" lines)."""
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter(line.split()[0] for line in lines if line.endswith(statuses))


def _attempt(port: int, email: str) -> int:
    """One browser-like attempt: fetch the form (and its CSRF token) in a fresh session, then post it."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": "wrong-password-guess", "csrf_token": token}).encode()
    try:
        return opener.open(f"http://127.0.0.1:{port}/login", data=data, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def _serve(port: int, env: dict, log: Path, workers: int) -> subprocess.Popen:
    bin_dir = Path(sys.executable).parent
    return subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(s)s",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )


def _wait_until_answering(port: int, log: Path, server: subprocess.Popen, workers: int) -> None:
    deadline = time.monotonic() + 90
    while len(_workers(log)) < workers:  # every worker booted and answering (each imports the app on its own)
        assert time.monotonic() < deadline and server.poll() is None, f"gunicorn did not start {workers} workers"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)
        except OSError:
            time.sleep(0.2)


def test_twenty_wrong_passwords_a_minute_get_429_after_the_limit_across_two_gunicorn_workers(tmp_path):
    """Two worker processes, each with its own memory, count one address's failures together.

    The operating system decides which of one server's workers takes a connection (under load one may take them
    all), so the twenty attempts alternate between two servers of one worker each on the same database: every
    attempt's worker is then known, and the 429 can only come from a count both share.
    """
    database_url, drop = create_test_database(prefix="portal_throttle")
    ports = (_free_port(), _free_port())
    (tmp_path / "config.py").write_text(
        'LOGIN_RATE_LIMIT = "1000 per minute"\n'  # only the shared throttle counts
        'LOGIN_FAILURES_PER_ADDRESS = "10 per minute"\n'
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "throttle-test-secret",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    logs = (tmp_path / "access-a.log", tmp_path / "access-b.log")
    servers = [_serve(port, env, log, workers=1) for port, log in zip(ports, logs)]
    try:
        for port, log, server in zip(ports, logs, servers):
            _wait_until_answering(port, log, server, workers=1)
        started = time.monotonic()
        statuses = [_attempt(ports[n % 2], f"guess{n}@nhs.net") for n in range(20)]
        assert time.monotonic() - started < 50, "the twenty attempts must fall within one window"
        assert statuses == [400] * 10 + [429] * 10
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        drop()
    workers = _workers(logs[0], statuses=("400", "429")) + _workers(logs[1], statuses=("400", "429"))
    print(f"sign-in posts answered per worker process: {dict(workers)}")
    assert len(workers) == 2 and set(workers.values()) == {10}, "each worker answered half: the count is shared"
