"""Rejected or failed evidence saves leave no uploaded file behind, and remove-orphan-uploads clears files that no
evidence refers to (sparing recent ones, which may belong to a save in progress)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.app.logbook.helpers import PNG_BYTES, certificate_form
from tests.factories import EvidenceFactory, TraineeFactory
from trainee_portal.extensions import db


@pytest.fixture
def uploads(app) -> Path:
    path = Path(app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _post(client, data, url="/logbook/new"):
    return client.post(url, data=data, content_type="multipart/form-data")


def test_five_rejected_posts_with_a_10_mb_file_leave_no_file(client, login, uploads):
    login(TraineeFactory())
    big = PNG_BYTES + b"\0" * (10 * 1024 * 1024 - len(PNG_BYTES))  # exactly the 10 MB limit: the file itself is fine
    before = set(uploads.iterdir())
    for attempt in range(5):
        data = certificate_form(f"certificate-{attempt}.png", big, title="")  # no title: the form is refused
        response = _post(client, data)
        assert response.status_code == 400 and "Choose the file again" in response.get_data(as_text=True)
    assert set(uploads.iterdir()) == before


def test_a_save_that_fails_removes_the_file_it_stored(client, login, uploads, monkeypatch):
    login(TraineeFactory())
    before = set(uploads.iterdir())

    def broken_create(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("trainee_portal.logbook.services.create", broken_create)
    failed = _post(client, certificate_form("certificate.png", PNG_BYTES, title="Course"))
    assert failed.status_code == 500
    assert set(uploads.iterdir()) == before


def test_an_edit_that_fails_removes_the_file_it_stored_and_keeps_the_old_one(client, login, uploads, monkeypatch):
    trainee = TraineeFactory()
    login(trainee)
    assert _post(client, certificate_form("certificate.png", PNG_BYTES, title="Course")).status_code == 302
    from sqlalchemy import select

    from trainee_portal.models import EvidenceEntry

    entry = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id))
    before = set(uploads.iterdir())
    assert uploads / entry.attachment_path in before

    def broken_update(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("trainee_portal.logbook.services.update", broken_update)
    failed = _post(client, certificate_form("replacement.png", PNG_BYTES, title="Course"), url=f"/logbook/{entry.id}/edit")
    assert failed.status_code == 500
    assert set(uploads.iterdir()) == before


def _aged(path: Path, seconds: float) -> Path:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))
    return path


def test_remove_orphan_uploads_removes_old_unreferenced_files_only(app, uploads):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    entry.attachment_path = "a" * 32 + ".pdf"
    db.session.commit()
    kept = uploads / entry.attachment_path
    kept.write_bytes(b"%PDF-1.4 referenced")
    _aged(kept, 7200)
    old_orphan = uploads / ("b" * 32 + ".png")
    old_orphan.write_bytes(PNG_BYTES)
    _aged(old_orphan, 7200)
    fresh_orphan = uploads / ("c" * 32 + ".png")
    fresh_orphan.write_bytes(PNG_BYTES)
    unrelated_before = set(uploads.iterdir()) - {kept, old_orphan, fresh_orphan}
    for path in unrelated_before:  # files other tests left are not this test's business
        _aged(path, 0)

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["remove-orphan-uploads", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove {old_orphan.name}" in dry.output and "Would remove 1 orphaned upload" in dry.output
    assert old_orphan.exists() and fresh_orphan.exists() and kept.exists()

    done = runner.invoke(args=["remove-orphan-uploads"])
    assert done.exit_code == 0, done.output
    assert f"removed {old_orphan.name}" in done.output and "Removed 1 orphaned upload" in done.output
    assert not old_orphan.exists() and fresh_orphan.exists() and kept.exists()

    no_grace = runner.invoke(args=["remove-orphan-uploads", "--grace-minutes", "0"])
    assert f"removed {fresh_orphan.name}" in no_grace.output and not fresh_orphan.exists() and kept.exists()
