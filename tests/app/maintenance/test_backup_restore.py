"""Backup and restore on the configured engine. A backup is one .tar.gz with the database, the uploads it refers to
and a manifest; a restore on a fresh machine brings every row and certificate back and verifies; a changed, damaged,
foreign or unknown-revision backup is refused before anything live changes; every refusal says what to do."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.app.logbook.helpers import PDF_BYTES, PNG_BYTES
from tests.conftest import create_test_database, make_test_config
from tests.factories import EvidenceFactory, SupervisorFactory, TraineeFactory, assign
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.maintenance.backup import BackupError, find_pg_tool, known_revisions, row_counts
from trainee_portal.models import AuditRecord, User


def head_revision() -> str:
    """The schema revision the test database was migrated to (the newest in migrations/versions)."""
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _some_records(app) -> dict[str, bytes]:
    """Six audit records, and two evidence entries with certificate files; returns the files by stored name."""
    trainee = TraineeFactory(name="Dr Round Trip")
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    for i in range(6):
        payload = {"level": "2b", "n": i, "text": "naïve – ü"}
        audit.append(
            "signoff.signed", actor=supervisor, trainee_id=trainee.id, subject_type="evidence", subject_id=i, payload=payload
        )
    uploads = Path(app.config["UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    files = {}
    for content, suffix in ((PDF_BYTES + os.urandom(64), ".pdf"), (PNG_BYTES + os.urandom(64), ".png")):
        name = hashlib.sha256(content).hexdigest()[:32] + suffix
        (uploads / name).write_bytes(content)
        EvidenceFactory(
            trainee=trainee,
            evidence_type="certificate",
            supervision_level=None,
            attachment_name=f"certificate{suffix}",
            attachment_path=name,
            attachment_mime="application/pdf",
            attachment_size=len(content),
        )
        files[name] = content
    (uploads / ("f" * 32 + ".pdf")).write_bytes(b"%PDF- an orphan nobody refers to")
    db.session.commit()
    return files


@pytest.fixture
def other_app(tmp_path_factory):
    """A second app on a fresh machine: a new empty database of the same engine and an empty upload folder."""
    from trainee_portal import create_app

    url, drop = create_test_database("portal_restore")
    application = create_app(make_test_config(url, tmp_path_factory.mktemp("fresh_machine")))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive}


def _write(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


def test_round_trip_to_a_fresh_machine_brings_rows_and_certificates_back_and_verifies(app, other_app, tmp_path):
    files = _some_records(app)
    before = row_counts()
    result = run(app, "backup", str(tmp_path / "portal.tar.gz"))
    assert result.exit_code == 0, result.output
    assert "and 2 uploaded files" in result.output and "every decision row verified (6 records)" in result.output
    members = _members(tmp_path / "portal.tar.gz")
    manifest = json.loads(members["manifest.json"])
    assert manifest["engine"] == db.engine.dialect.name and manifest["schema_revision"] == known_revisions()[1]
    assert manifest["row_counts"] == before and manifest["created_at"].endswith("Z")
    assert sorted(manifest["files"]) == sorted(
        [f"uploads/{name}" for name in files] + ["database.sqlite3" if db.engine.dialect.name == "sqlite" else "database.dump"]
    )
    assert all(hashlib.sha256(members[name]).hexdigest() == digest for name, digest in manifest["files"].items())

    with other_app.app_context():
        result = run(other_app, "restore", str(tmp_path / "portal.tar.gz"))
        assert result.exit_code == 0, result.output
        assert "and 2 uploaded files" in result.output and "every decision row verified (6 records)" in result.output
        assert row_counts() == before
        restored = Path(other_app.config["UPLOAD_DIR"])
        assert {p.name: p.read_bytes() for p in restored.iterdir()} == files  # byte-identical, and no orphan
        assert db.session.scalar(select(User.name).where(User.name == "Dr Round Trip"))
        # The restored database keeps working: the chain grows from where the backup left it.
        audit.append("evidence.created", actor=None, subject_type="evidence", subject_id=99, payload={})
        db.session.commit()
        report = audit.verify_chain()
        assert report.ok and report.checked == 7


def test_restore_refuses_a_database_with_data_unless_forced_and_force_rolls_back_changes(app, tmp_path):
    _some_records(app)
    backup_file = tmp_path / "portal.tar.gz"
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
    _some_records(app)
    result = run(app, "backup", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("portal-") and files[0].name.endswith(".tar.gz")
    again = run(app, "backup", str(files[0]))
    assert again.exit_code != 0 and "already exists" in again.output
    assert run(app, "backup", "--force", str(files[0])).exit_code == 0
    missing_folder = run(app, "backup", str(tmp_path / "nowhere" / "x.bak"))
    assert missing_folder.exit_code != 0 and "does not exist" in missing_folder.output


def test_backup_of_a_database_whose_certificate_is_missing_says_so(app, tmp_path):
    files = _some_records(app)
    lost = next(iter(files))
    (Path(app.config["UPLOAD_DIR"]) / lost).unlink()
    result = run(app, "backup", str(tmp_path / "portal.tar.gz"))
    assert result.exit_code == 1 and "WARNING: 1 uploaded file(s)" in result.output and lost in result.output
    refused = run(app, "restore", "--force", str(tmp_path / "portal.tar.gz"))
    assert refused.exit_code != 0 and "not in the backup" in refused.output and lost in refused.output


def _real_backup(app, tmp_path) -> dict[str, bytes]:
    _some_records(app)
    assert run(app, "backup", str(tmp_path / "good.tar.gz")).exit_code == 0
    return _members(tmp_path / "good.tar.gz")


def _manifest(members) -> dict:
    return json.loads(members["manifest.json"])


@pytest.mark.parametrize(
    "damage,message",
    [
        ("missing", "does not exist"),
        ("empty", "not a backup made by this portal"),
        ("text", "not a backup made by this portal"),
        ("bare-sqlite", "is a bare database file"),
        ("bare-pg", "is a bare database file"),
        ("truncated", "damaged"),
        ("no-manifest", "has no manifest.json"),
        ("manifest-not-json", "cannot be read as a portal backup manifest"),
        ("other-engine", "backup but the configured database is"),
        ("strange-member", "which a portal backup never holds"),
        ("newer-format", "backup format version 2"),
    ],
)
def test_restore_explains_missing_damaged_and_foreign_files(app, tmp_path, damage, message):
    path = tmp_path / "bad.tar.gz"
    simple = {
        "empty": b"",
        "text": b"hello, this is a text file\n" * 50,
        "bare-sqlite": b"SQLite format 3\x00" + b"\x00" * 200,
        "bare-pg": b"PGDMP" + b"\x01\x0e\x00" * 60,
    }
    if damage in simple:
        path.write_bytes(simple[damage])
    elif damage != "missing":
        members = _real_backup(app, tmp_path)
        manifest = _manifest(members)
        if damage == "truncated":
            path.write_bytes((tmp_path / "good.tar.gz").read_bytes()[:-200])
        else:
            if damage == "no-manifest":
                del members["manifest.json"]
            elif damage == "manifest-not-json":
                members["manifest.json"] = b"{not json"
            elif damage == "other-engine":
                members["manifest.json"] = json.dumps(manifest | {"engine": "oracle"}).encode()
            elif damage == "strange-member":
                members["../../etc/evil"] = b"x"
            elif damage == "newer-format":
                members["manifest.json"] = json.dumps(manifest | {"format_version": 2}).encode()
            _write(path, members)
    before = row_counts()
    result = run(app, "restore", "--force", str(path))
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert row_counts() == before


def _edit_database(member: bytes, sql: str, tmp_path: Path) -> bytes:
    """The archived database with one SQL statement applied, in the archive's own format."""
    if db.engine.dialect.name == "sqlite":
        path = tmp_path / "edited.sqlite3"
        path.write_bytes(member)
        conn = sqlite3.connect(path)
        conn.execute(sql)
        conn.commit()
        conn.close()
        return path.read_bytes()
    url, drop = create_test_database("portal_tamper")
    plain = make_url(url).set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ, PGPASSWORD=make_url(url).password or "")
    dump = tmp_path / "edited.dump"
    dump.write_bytes(member)
    try:
        subprocess.run([find_pg_tool("pg_restore"), "--no-owner", f"--dbname={plain}", str(dump)], env=env, check=True)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(sql))
        engine.dispose()
        subprocess.run(
            [find_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={plain}"], env=env, check=True
        )
    finally:
        drop()
    return dump.read_bytes()


def _rehash(members: dict[str, bytes], name: str) -> None:
    manifest = _manifest(members)
    manifest["files"][name] = hashlib.sha256(members[name]).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()


@pytest.mark.parametrize(
    "tamper,message",
    [
        ("row-edited", "does not match its SHA-256 in the manifest"),
        ("row-edited-and-rehashed", "[chain] audit record 2: its content does not match its hash"),
        ("upload-replaced", "does not match its SHA-256 in the manifest"),
        ("upload-removed-and-unlisted", "are not in the backup"),
        ("manifest-hash-changed", "does not match its SHA-256 in the manifest"),
        ("row-counts-changed", "row counts differ from the manifest in user"),
        ("unknown-revision", "schema revision '9999_from_the_future' is not one this portal knows"),
    ],
)
def test_a_tampered_backup_is_refused_and_nothing_live_changes(app, tmp_path, tamper, message):
    members = _real_backup(app, tmp_path)
    database = "database.sqlite3" if db.engine.dialect.name == "sqlite" else "database.dump"
    upload = next(name for name in members if name.startswith("uploads/"))
    manifest = _manifest(members)
    if tamper.startswith("row-edited"):
        members[database] = _edit_database(
            members[database], 'UPDATE audit_record SET payload = \'{"level": "3"}\' WHERE id = 2', tmp_path
        )
        if tamper.endswith("rehashed"):
            _rehash(members, database)
    elif tamper == "upload-replaced":
        members[upload] = PDF_BYTES + b" a different certificate"
    elif tamper == "upload-removed-and-unlisted":
        del members[upload]
        del manifest["files"][upload]
        members["manifest.json"] = json.dumps(manifest).encode()
    elif tamper == "manifest-hash-changed":
        manifest["files"][upload] = "0" * 64
        members["manifest.json"] = json.dumps(manifest).encode()
    elif tamper == "row-counts-changed":
        manifest["row_counts"]["user"] += 1
        members["manifest.json"] = json.dumps(manifest).encode()
    elif tamper == "unknown-revision":
        members["manifest.json"] = json.dumps(manifest | {"schema_revision": "9999_from_the_future"}).encode()
    _write(tmp_path / "tampered.tar.gz", members)

    TraineeFactory(name="Dr Marker After Backup")
    before, uploads = row_counts(), sorted(Path(app.config["UPLOAD_DIR"]).iterdir())
    result = run(app, "restore", "--force", str(tmp_path / "tampered.tar.gz"))
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output
    db.session.remove()
    assert row_counts() == before
    assert db.session.scalar(select(func.count()).select_from(User).where(User.name == "Dr Marker After Backup")) == 1
    assert sorted(Path(app.config["UPLOAD_DIR"]).iterdir()) == uploads


def test_a_backup_whose_signed_heads_were_deleted_is_refused_by_the_heads_this_machine_kept(app, tmp_path, clock):
    """A backup rewritten consistently (rows, counts and hashes) still meets the heads this machine signed before it."""
    _some_records(app)
    with clock.at(clock.now() - timedelta(minutes=1)):  # signed a minute before the backup is taken
        audit.take_checkpoint("command")
    assert run(app, "backup", str(tmp_path / "good.tar.gz")).exit_code == 0
    members = _members(tmp_path / "good.tar.gz")
    database = "database.sqlite3" if db.engine.dialect.name == "sqlite" else "database.dump"
    members[database] = _edit_database(members[database], "DELETE FROM audit_checkpoint", tmp_path)
    _rehash(members, database)
    manifest = _manifest(members)
    manifest["row_counts"]["audit_checkpoint"] = 0
    members["manifest.json"] = json.dumps(manifest).encode()
    _write(tmp_path / "tampered.tar.gz", members)
    result = run(app, "restore", "--force", str(tmp_path / "tampered.tar.gz"))
    assert result.exit_code != 0 and "missing from the audit_checkpoint table" in result.output, result.output


def test_restoring_an_older_backup_here_keeps_the_later_heads_aside_and_verifies(app, tmp_path):
    _some_records(app)
    audit.take_checkpoint("command")
    assert run(app, "backup", str(tmp_path / "older.tar.gz")).exit_code == 0
    audit.append("evidence.created", actor=None, subject_type="evidence", subject_id=98, payload={})
    audit.take_checkpoint("command")  # a head the older backup never reaches
    result = run(app, "restore", "--force", str(tmp_path / "older.tar.gz"))
    assert result.exit_code == 0, result.output
    kept = list(audit.checkpoint_file().parent.glob("audit-checkpoints.jsonl.before-restore-*"))
    assert len(kept) == 1 and len(kept[0].read_text().splitlines()) == 2
    assert len(audit.checkpoint_file().read_text().splitlines()) == 1
    verified = run(app, "verify-audit")
    assert verified.exit_code == 0, verified.output
    for path in kept:
        path.unlink()


def test_on_a_fresh_machine_the_signed_heads_need_the_old_public_key(app, other_app, tmp_path, monkeypatch):
    _some_records(app)
    audit.take_checkpoint("command")
    public = audit.public_key_text(audit.signing_key().public_key())
    assert run(app, "backup", str(tmp_path / "portal.tar.gz")).exit_code == 0
    fresh = tmp_path / "fresh-instance"  # no signing key and no checkpoint file there
    fresh.mkdir()
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(fresh))
    monkeypatch.setattr(other_app, "instance_path", str(fresh))
    with other_app.app_context():
        refused = run(other_app, "restore", str(tmp_path / "portal.tar.gz"))
        assert refused.exit_code != 0 and "no key to verify it" in refused.output, refused.output
        assert sum(row_counts().values()) == 0
        other_app.config["AUDIT_VERIFY_KEYS"] = [public]
        restored = run(other_app, "restore", str(tmp_path / "portal.tar.gz"))
        assert restored.exit_code == 0, restored.output
        assert run(other_app, "verify-audit").exit_code == 0


def test_missing_pg_tools_give_a_clear_message(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(BackupError, match="pg_dump was not found.*postgresql-client"):
        find_pg_tool("pg_dump")


def test_pg_tools_are_found_in_the_server_bin_directory(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: ["/usr/lib/postgresql/9/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump"])
    assert find_pg_tool("pg_dump") == str(Path("/usr/lib/postgresql/15/bin/pg_dump"))
