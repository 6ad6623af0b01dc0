"""Backups as one checked file, and restores that check before they touch anything.

A backup is a gzipped tar archive holding
  manifest.json        format, engine, schema revision (the source's Alembic head), created_at, row counts per
                       table, and the SHA-256 of every other member;
  database.sqlite3     a SQLite online-backup snapshot, or database.dump, a pg_dump custom-format file taken in
                       the same database snapshot as the row counts and the list of referenced uploads;
  uploads/<name>       every uploaded file the snapshot's evidence refers to.

A restore unpacks into a temporary folder and checks, in order: the manifest parses and names this portal's format;
the schema revision is one of migrations/versions; every member's SHA-256 matches and nothing is missing or extra;
then it restores the database into a scratch copy (a temporary file for SQLite, a temporary database on the same
server for PostgreSQL) and checks there that its revision and row counts match the manifest, that every upload the
evidence refers to is in the archive, and that the audit chain and signatures verify (_verify_restored_copy). Only
then are the uploads copied into UPLOAD_DIR and the live database replaced. Any failure raises BackupError with a
message for the operator, and leaves the live database and uploads as they were.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.logbook.attachments import upload_dir
from trainee_portal.maintenance.scratch import new_database
from trainee_portal.platform.clock import utcnow

FORMAT = "pain-portfolio-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
UPLOADS = "uploads/"
UPLOAD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")  # the generated names attachments.store gives files
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that could not be done; the message is for the operator."""


@dataclass(frozen=True)
class Summary:
    path: Path
    engine: str
    tables: int
    rows: int
    uploads: int = 0
    schema_revision: str = ""
    missing_uploads: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Snapshot:
    """What a database snapshot holds, read in the same snapshot as the copy."""

    revision: str
    counts: dict[str, int]
    referenced: frozenset[str]


def engine_name() -> str:
    return db.engine.dialect.name


def _describe(conn: Connection) -> Snapshot:
    tables = set(inspect(conn).get_table_names())
    names = sorted(tables - {"alembic_version"})
    counts = {name: conn.execute(select(func.count()).select_from(text(f'"{name}"'))).scalar_one() for name in names}
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if "alembic_version" in tables else None
    referenced = (
        conn.execute(text("SELECT DISTINCT attachment_path FROM evidence_entry WHERE attachment_path IS NOT NULL"))
        .scalars()
        .all()
        if "evidence_entry" in names
        else []
    )
    return Snapshot(revision or "", counts, frozenset(referenced))


def row_counts() -> dict[str, int]:
    """Rows in every table of the live database (alembic's own table left out)."""
    with db.engine.connect() as conn:
        return _describe(conn).counts


def is_empty() -> bool:
    return not any(row_counts().values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def known_revisions() -> tuple[set[str], str]:
    """Every schema revision in migrations/versions, and the newest (head)."""
    script = ScriptDirectory(str(current_app.extensions["migrate"].directory))
    return {r.revision for r in script.walk_revisions()}, script.get_current_head()


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    database = make_url(db.engine.url).database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory; there is no file to back up")
    return Path(database)


def _sqlite_snapshot(dest: Path) -> Snapshot:
    source = sqlite3.connect(str(_sqlite_path()), timeout=30)
    target = sqlite3.connect(str(dest))
    try:
        source.backup(target)  # a consistent snapshot even while the app keeps writing
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    return _sqlite_file_snapshot(dest)


def _sqlite_file_snapshot(path: Path) -> Snapshot:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            result = conn.execute(text("PRAGMA integrity_check")).scalar()
            if result != "ok":
                raise BackupError(f"the database in the backup is damaged: SQLite's integrity check says {result!r}")
            return _describe(conn)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the database in the backup cannot be read as SQLite ({error})") from None
    finally:
        engine.dispose()


def _sqlite_apply(src: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # the pool must not keep pages of the old database
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(str(_sqlite_path()), timeout=30)
    try:
        source.backup(target)  # one step: the live file changes all at once
    finally:
        target.close()
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """pg_dump or pg_restore from PATH, else the newest server installation's bin directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    raise BackupError(
        f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin. "
        "Install the PostgreSQL client tools (e.g. apt-get install postgresql-client) and try again."
    )


def _libpq(url) -> tuple[str, dict]:
    """A plain libpq URL (no '+psycopg' driver, no password on the command line) and the environment to run with."""
    url = make_url(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict, what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or 'exit code ' + str(result.returncode)}")
    return result


def _pg_snapshot(dest: Path) -> Snapshot:
    """pg_dump and the row counts from one exported snapshot, so the manifest describes exactly the dump."""
    url, env = _libpq(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        _run(
            [
                find_pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot_id}",
                f"--file={dest}",
                f"--dbname={url}",
            ],
            env,
            "pg_dump",
        )
        return _describe(conn)


def _pg_restore_into(url, src: Path, *, clean: bool) -> None:
    plain, env = _libpq(url)
    # One transaction: either every object is replaced by the backup's, or nothing changes.
    _run(
        [
            find_pg_tool("pg_restore"),
            *(["--clean", "--if-exists"] if clean else []),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={plain}",
            str(src),
        ],
        env,
        "pg_restore",
    )


@contextmanager
def _pg_scratch_database() -> Iterator[str]:
    """A new empty database on the live server, dropped afterwards; yields its URL."""
    live = db.engine.url.render_as_string(hide_password=False)
    try:
        url, drop = new_database(live, f"{db.engine.url.database}_restore_check")
    except Exception as error:  # noqa: BLE001 (no CREATEDB right, for one)
        raise BackupError(
            f"cannot create a temporary database to check the backup in: "
            f"{str(error).splitlines()[0]}. The database user needs the CREATEDB right."
        ) from None
    try:
        yield url
    finally:
        drop()


def _pg_file_snapshot(url: str) -> Snapshot:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _describe(conn)
    finally:
        engine.dispose()


# --- verification of a restored copy ------------------------------------------------------------


def _verify_restored_copy(
    build_app: Callable[[dict], Flask], database_url: str, uploads: Path | None = None, taken_at: datetime | None = None
) -> list[str]:
    """Problems verify-audit's full check (trainee_portal.integrity.verify_all) finds in the database at database_url,
    with its uploads in `uploads`, against this machine's signing keys and checkpoint file; empty when it verifies.
    build_app is the app factory (the restore command passes it in, so this module never imports the package root)."""
    config = dict(current_app.config) | {"SQLALCHEMY_DATABASE_URI": database_url}
    config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)  # derived again for the copy
    if uploads is not None:
        config["UPLOAD_DIR"] = str(uploads)
    copy = build_app(config)
    with copy.app_context():
        try:
            report = verify_all(backup_taken_at=taken_at)
        finally:
            db.session.remove()
            db.engine.dispose()
    problems = [f"[{p.kind}] {p.where}: {p.detail}" for p in report.problems]
    if report.problem_count > len(report.problems):
        problems.append(f"… and {report.problem_count - len(report.problems)} more problems")
    return problems


# --- the archive --------------------------------------------------------------------------------


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> None:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def _write_archive(
    dest: Path, engine: str, database: Path, snapshot: Snapshot, upload_dir: Path, taken_at: datetime
) -> tuple[int, tuple[str, ...]]:
    uploads = sorted(name for name in snapshot.referenced if UPLOAD_NAME.fullmatch(name) and (upload_dir / name).is_file())
    missing = tuple(sorted(snapshot.referenced - set(uploads)))
    files = {DATABASE_MEMBER[engine]: _sha256(database)} | {UPLOADS + name: _sha256(upload_dir / name) for name in uploads}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "engine": engine,
        "schema_revision": snapshot.revision,
        "created_at": taken_at.isoformat(timespec="microseconds") + "Z",
        "row_counts": snapshot.counts,
        "files": files,
    }
    encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
    with tarfile.open(dest, "w:gz") as archive:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(encoded), 0o600
        archive.addfile(info, io.BytesIO(encoded))
        _add_file(archive, database, DATABASE_MEMBER[engine])
        for name in uploads:
            _add_file(archive, upload_dir / name, UPLOADS + name)
    return len(uploads), missing


def _unpack(src: Path, work: Path) -> dict:
    """Extract the archive's expected members into work and return its manifest, checked against every file."""
    foreign = f"{src} is not a backup made by this portal (a backup is the .tar.gz file `flask --app wsgi backup` writes)"
    with src.open("rb") as handle:
        head = handle.read(16)
    if head.startswith((b"SQLite format 3\x00", b"PGDMP")):
        raise BackupError(
            f"{src} is a bare database file (the earlier backup format, without uploads or checksums), not "
            "a backup this portal restores: make a new backup with `flask --app wsgi backup`"
        )
    try:
        archive = tarfile.open(src, "r:gz")  # noqa: SIM115 (closed by `with archive:` below; opened apart so only its errors say "not ours")
    except (tarfile.TarError, EOFError, zlib.error, OSError):
        raise BackupError(foreign) from None
    found: dict[str, str] = {}
    manifest_bytes = None
    try:
        with archive:
            for member in archive:
                name = member.name
                allowed = (
                    name == MANIFEST
                    or name in DATABASE_MEMBER.values()
                    or (name.startswith(UPLOADS) and UPLOAD_NAME.fullmatch(name[len(UPLOADS) :]))
                )
                if not member.isfile() or not allowed or name in found:
                    raise BackupError(f"{src} holds {name!r}, which a portal backup never holds: it was changed or is not ours")
                handle = archive.extractfile(member)
                if name == MANIFEST:
                    manifest_bytes = handle.read(1 << 24)
                    found[name] = ""
                    continue
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                found[name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"{src} is damaged and cannot be read to the end ({error}); use another backup") from None
    if manifest_bytes is None:
        raise BackupError(foreign if not found else f"{src} has no {MANIFEST}: it is damaged or not a portal backup")
    try:
        manifest = json.loads(manifest_bytes)
        files = manifest["files"]
        valid = (
            manifest["format"] == FORMAT
            and isinstance(files, dict)
            and isinstance(manifest["row_counts"], dict)
            and all(isinstance(v, str) for v in files.values())
            and isinstance(manifest["schema_revision"], str)
            and isinstance(manifest["engine"], str)
        )
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise BackupError(f"the {MANIFEST} in {src} cannot be read as a portal backup manifest: it was changed or damaged")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{src} is in backup format version {manifest.get('format_version')!r}; this portal reads version "
            f"{FORMAT_VERSION}. Restore it with the portal version that made it."
        )
    del found[MANIFEST]
    problems = [f"{name} is listed in the manifest but missing from the archive" for name in sorted(set(files) - set(found))]
    problems += [f"{name} is in the archive but not listed in the manifest" for name in sorted(set(found) - set(files))]
    problems += [
        f"{name} does not match its SHA-256 in the manifest"
        for name in sorted(set(files) & set(found))
        if files[name] != found[name]
    ]
    if problems:
        raise BackupError(_refusal(src, problems))
    return manifest


def _refusal(src: Path, problems: list[str]) -> str:
    return (
        f"{src} was NOT restored: the backup was changed or damaged after it was made. Nothing was changed.\n  - "
        + "\n  - ".join(problems)
    )


def _install_uploads(folder: Path, upload_dir: Path) -> int:
    """Copy the backup's uploads into UPLOAD_DIR (each under a temporary name, then renamed into place)."""
    if not folder.is_dir():
        return 0
    upload_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(folder.iterdir()):
        partial = upload_dir / f".{path.name}.restoring"
        shutil.copyfile(path, partial)
        partial.replace(upload_dir / path.name)
        count += 1
    return count


# --- the two operations -------------------------------------------------------------------------


def backup(dest: Path, *, overwrite: bool = False) -> Summary:
    """Write one archive with a consistent copy of the database, the uploads it refers to and a manifest."""
    engine = engine_name()
    if engine not in DATABASE_MEMBER:
        raise BackupError(f"backups of {engine} databases are not supported")
    if dest.is_dir():
        dest = dest / f"portal-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} already exists; choose another name or pass --force to replace it")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist")
    partial = dest.with_name(dest.name + ".partial")  # never leave a half-written file under the real name
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        database = Path(work) / DATABASE_MEMBER[engine]
        # Taken before the snapshot (less a moment for a head signed then but committed after the snapshot began), so
        # every head this machine signed before it must be in the backup: a restore checks that.
        taken_at = utcnow() - timedelta(seconds=2)
        snapshot = (_sqlite_snapshot if engine == "sqlite" else _pg_snapshot)(database)
        try:
            uploads, missing = _write_archive(partial, engine, database, snapshot, upload_dir(), taken_at)
            partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)
    _record_latest(dest, taken_at)
    return Summary(dest, engine, len(snapshot.counts), sum(snapshot.counts.values()), uploads, snapshot.revision, missing)


LATEST_FILE = "latest-backup.json"  # in the instance folder: where and when this machine last wrote a backup
LATEST_MAX_BYTES = 8192  # a record holds one path and one time; anything longer was not written here


def _record_latest(dest: Path, taken_at: datetime) -> None:
    """Remember the backup just written, so the administrator's home page can say how old the latest is."""
    record = {"path": str(dest.resolve()), "taken_at": taken_at.replace(microsecond=0).isoformat()}
    path = Path(current_app.instance_path) / LATEST_FILE
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")


def latest_backup() -> tuple[datetime, str] | None:
    """(when it was taken, UTC, and where it was written) for the last backup this machine wrote; None if none was
    written here, or the record cannot be read."""
    path = Path(current_app.instance_path) / LATEST_FILE
    try:
        with path.open("rb") as handle:
            raw = handle.read(LATEST_MAX_BYTES + 1)
        if len(raw) > LATEST_MAX_BYTES:
            return None  # not a record this portal wrote
        record = json.loads(raw.decode("utf-8"))
        taken_at, where = record["taken_at"], record["path"]
        if not isinstance(taken_at, str) or not isinstance(where, str):
            return None
        taken_at = datetime.fromisoformat(taken_at)
        if taken_at.tzinfo is not None:  # written by hand with an offset: compared as UTC like every other time here
            taken_at = taken_at.astimezone(UTC).replace(tzinfo=None)
    except (OSError, ValueError, KeyError, TypeError, RecursionError, OverflowError):
        return None
    return taken_at, where


def restore(src: Path, *, build_app: Callable[[dict], Flask], force: bool = False) -> Summary:
    """Check the backup completely on a scratch copy (an app build_app makes from a config), then replace the live
    uploads and database with it. Refuses to overwrite a database holding data unless force is given."""
    if not src.exists():
        raise BackupError(f"{src} does not exist")
    if not src.is_file():
        raise BackupError(f"{src} is not a file")
    engine = engine_name()
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work_name:
        work = Path(work_name)
        manifest = _unpack(src, work)
        if manifest["engine"] != engine:
            raise BackupError(
                f"{src} is a {manifest['engine']} backup but the configured database is {engine}; "
                "restore it into a database of the same kind"
            )
        revisions, head = known_revisions()
        if manifest["schema_revision"] not in revisions:
            raise BackupError(
                f"{src} was NOT restored: its schema revision {manifest['schema_revision']!r} is not one this "
                f"portal knows ({', '.join(sorted(revisions))}). Restore it with the portal version that "
                "made it. Nothing was changed."
            )
        if not force and not is_empty():
            raise BackupError("the database already holds data; pass --force to replace all of it with the backup")
        database = work / DATABASE_MEMBER[engine]
        with _scratch(engine, database) as scratch_url:
            restored = _sqlite_file_snapshot(database) if engine == "sqlite" else _pg_file_snapshot(scratch_url)
            problems = []
            if restored.revision != manifest["schema_revision"]:
                problems.append(
                    f"the database is at schema revision {restored.revision!r}, the manifest says {manifest['schema_revision']!r}"
                )
            if restored.counts != manifest["row_counts"]:
                differ = sorted(
                    t
                    for t in set(restored.counts) | set(manifest["row_counts"])
                    if restored.counts.get(t) != manifest["row_counts"].get(t)
                )
                problems.append(f"row counts differ from the manifest in {', '.join(differ)}")
            absent = sorted(name for name in restored.referenced if not (work / UPLOADS / name).is_file())
            if absent:
                problems.append(
                    f"{len(absent)} uploaded file(s) the evidence refers to are not in the backup: "
                    f"{', '.join(absent[:5])}{' …' if len(absent) > 5 else ''}"
                )
            problems += _verify_restored_copy(build_app, scratch_url, work / UPLOADS, _taken_at(manifest))
            if problems:
                raise BackupError(_refusal(src, problems))
            uploads = _install_uploads(work / UPLOADS, upload_dir())
            if engine == "sqlite":
                _sqlite_apply(database)
            else:
                db.session.remove()
                db.engine.dispose()
                _pg_restore_into(db.engine.url, database, clean=True)
    audit.restart_checkpoint_file(utcnow())
    counts = row_counts()
    return Summary(src, engine, len(counts), sum(counts.values()), uploads, manifest["schema_revision"])


def _taken_at(manifest: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(str(manifest["created_at"]).removesuffix("Z"))
    except ValueError:
        return None


@contextmanager
def _scratch(engine: str, database: Path) -> Iterator[str]:
    """The backup's database restored somewhere that is not the live database; yields its URL."""
    if engine == "sqlite":
        _sqlite_file_snapshot(database)  # integrity check before anything opens it as the app would
        yield f"sqlite:///{database}"
        return
    with _pg_scratch_database() as url:
        _pg_restore_into(url, database, clean=False)
        yield url
