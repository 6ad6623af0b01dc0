"""Backing up and restoring the database: SQLite through its online backup API, PostgreSQL through pg_dump/pg_restore.

Every failure raises BackupError with a message that says what to do; the CLI shows it without a traceback.
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, select, func, text
from sqlalchemy.engine import make_url

from trainee_portal.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done; the message is for the operator."""


@dataclass(frozen=True)
class Summary:
    path: Path
    engine: str
    tables: int
    rows: int


def engine_name() -> str:
    return db.engine.dialect.name


def file_kind(path: Path) -> str:
    """'sqlite', 'postgresql' or 'unknown', from the file's first bytes."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    return "unknown"


def row_counts() -> dict[str, int]:
    """Rows in every table of the live database (alembic's own table left out)."""
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    with db.engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(text(f'"{name}"'))).scalar_one() for name in names}


def is_empty() -> bool:
    return not any(row_counts().values())


# --- SQLite -------------------------------------------------------------------------------------

def _sqlite_path() -> Path:
    database = make_url(db.engine.url).database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory; there is no file to back up")
    return Path(database)


def _check_sqlite_file(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged and cannot be read as a SQLite database ({error})") from None
    if result != "ok":
        raise BackupError(f"{path} is damaged: SQLite's integrity check says {result!r}")
    if "alembic_version" not in tables or "user" not in tables:
        raise BackupError(f"{path} is a SQLite database but not a backup of this portal (it has no portal tables)")


def _sqlite_backup(dest: Path) -> None:
    source = sqlite3.connect(str(_sqlite_path()), timeout=30)
    target = sqlite3.connect(str(dest))
    try:
        source.backup(target)  # a consistent snapshot even while the app keeps writing
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    _check_sqlite_file(dest)


def _sqlite_restore(src: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # the pool must not keep pages of the old database
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(str(_sqlite_path()), timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------------

def find_pg_tool(name: str) -> str:
    """pg_dump or pg_restore from PATH, else the newest server installation's bin directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin. "
                      "Install the PostgreSQL client tools (e.g. apt-get install postgresql-client) and try again.")


def _libpq_url_and_env() -> tuple[str, dict]:
    """A plain libpq URL (no '+psycopg' driver, no password on the command line) and the environment to run with."""
    url = make_url(db.engine.url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict, what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or 'exit code ' + str(result.returncode)}")
    return result


def _pg_backup(dest: Path) -> None:
    url, env = _libpq_url_and_env()
    _run([find_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dest}", f"--dbname={url}"],
         env, "pg_dump")
    _check_pg_archive(dest, env)


def _check_pg_archive(path: Path, env: dict) -> None:
    result = subprocess.run([find_pg_tool("pg_restore"), "--list", str(path)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{path} is damaged: pg_restore cannot read it ({result.stderr.strip().splitlines()[-1:]})")
    if "TABLE public alembic_version" not in result.stdout and "TABLE DATA public alembic_version" not in result.stdout:
        raise BackupError(f"{path} is a PostgreSQL dump but not a backup of this portal (it has no portal tables)")


def _pg_restore(src: Path) -> None:
    url, env = _libpq_url_and_env()
    _check_pg_archive(src, env)
    db.session.remove()
    db.engine.dispose()
    # One transaction: either every object is replaced by the backup's, or nothing changes.
    _run([find_pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
          "--no-owner", "--no-privileges", f"--dbname={url}", str(src)], env, "pg_restore")


# --- the two operations -------------------------------------------------------------------------

def backup(dest: Path, *, overwrite: bool = False) -> Summary:
    """Write a consistent copy of the live database to dest (a file, or a directory to put a dated file in)."""
    from trainee_portal.models._base import utcnow
    engine = engine_name()
    if engine not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of {engine} databases are not supported")
    if dest.is_dir():
        suffix = "sqlite3" if engine == "sqlite" else "dump"
        dest = dest / f"portal-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.{suffix}"
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} already exists; choose another name or pass --force to replace it")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist")
    partial = dest.with_name(dest.name + ".partial")  # never leave a half-written file under the real name
    partial.unlink(missing_ok=True)
    try:
        (_sqlite_backup if engine == "sqlite" else _pg_backup)(partial)
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)
    counts = row_counts()
    return Summary(dest, engine, len(counts), sum(counts.values()))


def restore(src: Path, *, force: bool = False) -> Summary:
    """Replace the live database with a backup; refuses to overwrite data unless force is given."""
    if not src.exists():
        raise BackupError(f"{src} does not exist")
    if not src.is_file():
        raise BackupError(f"{src} is not a file")
    engine = engine_name()
    kind = file_kind(src)
    if kind == "unknown":
        raise BackupError(f"{src} is not a backup made by this portal (neither a SQLite database nor a pg_dump custom-format file)")
    if kind != engine:
        raise BackupError(f"{src} is a {kind} backup but the configured database is {engine}; "
                          "restore it into a database of the same kind")
    if kind == "sqlite":
        _check_sqlite_file(src)
    if not force and not is_empty():
        raise BackupError("the database already holds data; pass --force to replace all of it with the backup")
    (_sqlite_restore if engine == "sqlite" else _pg_restore)(src)
    counts = row_counts()
    return Summary(src, engine, len(counts), sum(counts.values()))
