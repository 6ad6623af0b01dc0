"""Attacks on the administrator's home through its backup record (instance/latest-backup.json): bad JSON, odd
types, a time with an offset or from the future, markup in the path, a huge file. None breaks or misleads the page."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests import factories as make
from trainee_portal.maintenance import backup
from trainee_portal.platform.clock import utcnow


def _record(app) -> Path:
    return Path(app.instance_path) / backup.LATEST_FILE


@pytest.fixture
def record(app):
    path = _record(app)
    kept = path.read_bytes() if path.exists() else None
    yield path
    if kept is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(kept)


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"path": "/srv/b.tar.gz", "taken_at": "2026-11-30T10:00:00+05:00"}),  # with an offset
        json.dumps({"path": "/srv/b.tar.gz", "taken_at": "2026-11-30T10:00:00Z"}),
        json.dumps({"path": "/srv/b.tar.gz", "taken_at": "0001-01-01T00:00:00"}),
        json.dumps({"path": "/srv/b.tar.gz", "taken_at": "9999-12-31T23:59:59"}),
        json.dumps({"path": "/srv/b.tar.gz", "taken_at": 1764500000}),
        json.dumps({"path": ["a"], "taken_at": "2026-11-30T10:00:00"}),
        json.dumps(["taken_at"]),
        json.dumps("2026-11-30T10:00:00"),
        "\x00\xff{",
        "{" * 100_000,
    ],
)
def test_a_tampered_backup_record_never_breaks_the_admin_home(client, login, record, content):
    record.write_text(content, encoding="utf-8", errors="surrogateescape")
    login(make.AdminFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "What needs attention" in response.get_data(as_text=True)


def test_a_backup_record_from_the_future_is_not_shown_as_fresh(client, login, record):
    ahead = (utcnow() + timedelta(days=400)).replace(microsecond=0)
    record.write_text(json.dumps({"path": "/srv/b.tar.gz", "taken_at": ahead.isoformat()}))
    login(make.AdminFactory())
    page = client.get("/").get_data(as_text=True)
    assert "Latest backup" not in page  # no age, least of all a negative one
    assert "later than now" in page and "Check the backups" in page


def test_a_backup_path_with_markup_is_shown_as_text(client, login, record):
    record.write_text(json.dumps({"path": "/srv/<script>alert(1)</script>", "taken_at": utcnow().isoformat()}))
    login(make.AdminFactory())
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_a_huge_backup_record_is_not_read_whole(client, login, record):
    record.write_text(json.dumps({"path": "x" * 5_000_000, "taken_at": utcnow().isoformat()}))
    login(make.AdminFactory())
    response = client.get("/")
    assert response.status_code == 200 and len(response.data) < 1_000_000
    assert "No backup yet on this server" in response.get_data(as_text=True)


def test_a_path_outside_the_backups_is_only_named_never_read(client, login, record):
    record.write_text(json.dumps({"path": "../../../../../etc/passwd", "taken_at": utcnow().isoformat()}))
    login(make.AdminFactory())
    page = client.get("/").get_data(as_text=True)
    assert "../../../../../etc/passwd" in page and "root:" not in page


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_record_replaced_by_an_endless_file_does_not_hang_the_page(client, login, record):
    record.unlink(missing_ok=True)
    record.symlink_to("/dev/zero")
    try:
        login(make.AdminFactory())
        response = client.get("/")
        assert response.status_code == 200
        assert "No backup yet on this server" in response.get_data(as_text=True)
    finally:
        record.unlink()
