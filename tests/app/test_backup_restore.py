"""Backup and restore on the configured engine: a round trip keeps every row and a verifying audit chain,
and every refusal (data present, missing, damaged or foreign file) says what to do."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.conftest import create_test_database, make_test_config
from tests.factories import SupervisorFactory, TraineeFactory, assign
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.maintenance.backup import BackupError, find_pg_tool, row_counts
from trainee_portal.models import AuditRecord, User


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _some_records():
    trainee = TraineeFactory(name="Dr Round Trip")
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    for i in range(6):
        audit.append("signoff.signed", actor=supervisor, trainee_id=trainee.id, subject_type="evidence", subject_id=i,
                     payload={"level": "2b", "n": i, "text": "naïve – ü"})
    db.session.commit()
    return trainee


@pytest.fixture
def other_app(instance_dir):
    """A second app on a fresh, empty database of the same engine: the place a backup is restored to."""
    from trainee_portal import create_app
    url, drop = create_test_database("portal_restore")
    application = create_app(make_test_config(url, instance_dir))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def test_round_trip_into_an_empty_database_keeps_rows_and_audit_chain(app, other_app, tmp_path):
    _some_records()
    before = row_counts()
    result = run(app, "backup", str(tmp_path / "portal.bak"))
    assert result.exit_code == 0, result.output
    assert "audit chain verified (6 records)" in result.output

    with other_app.app_context():
        result = run(other_app, "restore", str(tmp_path / "portal.bak"))
        assert result.exit_code == 0, result.output
        assert "audit chain verified (6 records)" in result.output
        assert row_counts() == before
        assert audit.verify_chain().ok
        assert db.session.scalar(select(User.name).where(User.name == "Dr Round Trip"))
        # The restored database keeps working: the chain grows from where the backup left it.
        audit.append("evidence.created", actor=None, subject_type="evidence", subject_id=99, payload={})
        db.session.commit()
        report = audit.verify_chain()
        assert report.ok and report.checked == 7


def test_restore_refuses_a_database_with_data_unless_forced_and_force_rolls_back_changes(app, tmp_path):
    _some_records()
    backup_file = tmp_path / "portal.bak"
    assert run(app, "backup", str(backup_file)).exit_code == 0
    before = row_counts()
    TraineeFactory(name="Dr Added After Backup")
    audit.append("evidence.created", actor=None, subject_type="evidence", subject_id=1, payload={})
    db.session.commit()

    refused = run(app, "restore", str(backup_file))
    assert refused.exit_code != 0 and "already holds data" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output

    forced = run(app, "restore", "--force", str(backup_file))
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert row_counts() == before
    assert db.session.scalar(select(func.count()).select_from(User).where(User.name == "Dr Added After Backup")) == 0
    assert audit.verify_chain().ok and db.session.scalar(select(func.count()).select_from(AuditRecord)) == 6


def test_backup_into_a_folder_names_a_dated_file_and_never_overwrites(app, tmp_path):
    _some_records()
    result = run(app, "backup", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("portal-")
    again = run(app, "backup", str(files[0]))
    assert again.exit_code != 0 and "already exists" in again.output
    assert run(app, "backup", "--force", str(files[0])).exit_code == 0
    missing_folder = run(app, "backup", str(tmp_path / "nowhere" / "x.bak"))
    assert missing_folder.exit_code != 0 and "does not exist" in missing_folder.output


@pytest.mark.parametrize("content,message", [
    (None, "does not exist"),
    (b"", "not a backup made by this portal"),
    (b"hello, this is a text file\n" * 50, "not a backup made by this portal"),
    (b"SQLite format 3\x00" + b"\x00" * 200, None),
    (b"PGDMP" + b"\x01\x0e\x00" * 60, None),
])
def test_restore_explains_missing_damaged_and_foreign_files(app, tmp_path, content, message):
    path = tmp_path / "bad.bak"
    if content is not None:
        path.write_bytes(content)
    engine = db.engine.dialect.name
    if message is None:  # a damaged file of this engine, or a file of the other engine
        kind = "sqlite" if content.startswith(b"SQLite") else "postgresql"
        message = "damaged" if kind == engine else f"is a {kind} backup but the configured database is {engine}"
    result = run(app, "restore", "--force", str(path))
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output


def test_missing_pg_tools_give_a_clear_message(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(BackupError, match="pg_dump was not found.*postgresql-client"):
        find_pg_tool("pg_dump")


def test_pg_tools_are_found_in_the_server_bin_directory(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: ["/usr/lib/postgresql/9/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump"])
    assert find_pg_tool("pg_dump") == str(Path("/usr/lib/postgresql/15/bin/pg_dump"))
