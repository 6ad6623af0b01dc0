"""The datasets a benchmark run measures: generated into a cache when absent, or named; measured on throwaway copies.

A generated dataset is cached under a name made of its engine, sizes and seed and a digest of what shapes its rows
(the schema's Alembic head, the dataset's day, the generator's own source), so a new migration or a changed generator
makes a new one. SQLite datasets are files in the cache folder; PostgreSQL datasets are databases of that name on the
server given. A dataset is written under a partial name and takes its final name only once complete.

The run never measures the dataset itself: it measures a copy (SQLite's backup API; PostgreSQL's CREATE DATABASE …
TEMPLATE), dropped afterwards, and fingerprint() shows the original unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from trainee_portal.settings import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_SOURCES = ("benchmarks/dataset.py", "benchmarks/loader.py", "benchmarks/generate.py")
CONTENT_TABLES = ("evidence_entry", "audit_record", "audit_head")  # hashed row by row when a full fingerprint is asked


def engine_name(url: str) -> str:
    return "postgresql" if url.startswith(("postgres", "postgresql")) else "sqlite"


def sqlite_path(url: str) -> Path:
    return Path(url.split("sqlite:///", 1)[1])


def schema_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def _engine(url: str, **options):
    return create_engine(normalise_database_url(url), **options)


def revision(url: str) -> str | None:
    """The Alembic revision the database is at (None before any)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


@dataclass
class Dataset:
    engine: str
    url: str
    trainees: int
    evidence: int
    seed: int | None = None
    name: str = ""
    generation: dict | None = field(default=None)  # how it was generated (from the cache's record), when known

    @property
    def label(self) -> str:
        return f"{self.evidence:,} evidence rows, {self.trainees:,} trainees" + (
            f", seed {self.seed}" if self.seed is not None else ""
        )


def cache_key(engine: str, trainees: int, evidence: int, seed: int, today: date) -> str:
    """A name (a valid PostgreSQL database name) for one generated dataset of this code's schema and generator."""
    digest = hashlib.sha256(f"{schema_head()}|{today.isoformat()}".encode())
    for source in GENERATOR_SOURCES:
        digest.update((ROOT / source).read_bytes())
    return f"pbench_{engine[:2]}_t{trainees}_e{evidence}_s{seed}_{digest.hexdigest()[:10]}"


def server_database_url(server: str, name: str) -> str:
    return make_url(normalise_database_url(server)).set(database=name).render_as_string(hide_password=False)


def _admin(url: str):
    return _engine(server_database_url(url, "postgres"), isolation_level="AUTOCOMMIT")


def _pg_exists(admin, name: str) -> bool:
    with admin.connect() as conn:
        return bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar())


def _pg_run(admin, statement: str, attempts: int = 20) -> None:
    """CREATE/ALTER DATABASE refuse while a just-closed session lingers on the source: wait a moment and retry."""
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(statement))
            return
        except Exception as error:  # noqa: BLE001 (re-raised after the last attempt)
            if "being accessed by other users" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.5)


def database_exists(url: str) -> bool:
    """Whether the database a URL names exists (a file for SQLite, a database on the server for PostgreSQL)."""
    if engine_name(url) == "sqlite":
        return sqlite_path(url).exists()
    admin = _admin(url)
    try:
        return _pg_exists(admin, make_url(normalise_database_url(url)).database)
    finally:
        admin.dispose()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", "-writer"):  # -writer: platform/sqlite_writes.py
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _quietly(generate, *args) -> dict:
    """The generator without its progress lines and the migrations' log (errors still raise)."""
    with contextlib.redirect_stderr(io.StringIO()):
        return generate(*args, echo=lambda *a, **k: None)


def cached(
    engine: str,
    trainees: int,
    evidence: int,
    seed: int,
    today: date,
    cache_dir: Path,
    postgresql_server: str | None,
    echo: Callable = print,
    fresh: bool = False,
) -> Dataset:
    """The generated dataset of these sizes, made now if the cache has none (or `fresh` asks for a new one)."""
    from benchmarks.generate import generate

    key = cache_key(engine, trainees, evidence, seed, today)
    cache_dir.mkdir(parents=True, exist_ok=True)
    record = cache_dir / f"{key}.json"
    if engine == "sqlite":
        final = cache_dir / f"{key}.sqlite3"
        url = f"sqlite:///{final}"
        if fresh:
            _remove_sqlite(final)
        if not final.exists():
            partial = cache_dir / f"{key}.partial.sqlite3"
            _remove_sqlite(partial)
            echo(f"generating {url} ({evidence:,} evidence rows, {trainees:,} trainees, seed {seed})")
            result = _quietly(generate, f"sqlite:///{partial}", trainees, evidence, None, seed, today)
            with contextlib.closing(sqlite3.connect(partial)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            partial.replace(final)
            _remove_sqlite(partial)
            record.write_text(json.dumps(result, indent=2) + "\n")
    else:
        if not postgresql_server:
            raise ValueError("a PostgreSQL dataset needs the server's URL (--postgresql-url)")
        url = server_database_url(postgresql_server, key)
        admin = _admin(postgresql_server)
        try:
            if fresh and _pg_exists(admin, key):
                _pg_run(admin, f'DROP DATABASE "{key}" WITH (FORCE)')
            if not _pg_exists(admin, key):
                partial = f"{key}_partial"
                _pg_run(admin, f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
                _pg_run(admin, f'CREATE DATABASE "{partial}"')
                echo(f"generating PostgreSQL database {key} ({evidence:,} evidence rows, {trainees:,} trainees, seed {seed})")
                result = _quietly(
                    generate, server_database_url(postgresql_server, partial), trainees, evidence, None, seed, today
                )
                _pg_run(admin, f'ALTER DATABASE "{partial}" RENAME TO "{key}"')
                record.write_text(json.dumps(result, indent=2) + "\n")
        finally:
            admin.dispose()
    generation = json.loads(record.read_text()) if record.exists() else None
    return Dataset(engine, url, trainees, evidence, seed, key, generation)


def named(url: str) -> Dataset:
    """A dataset given by URL: its sizes read from it; refused unless it is at this code's schema head."""
    at, head = revision(url), schema_head()
    if at != head:
        raise ValueError(f"{url} is at schema revision {at}, this code at {head}: generate a dataset for this code")
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            trainees = conn.execute(text("SELECT count(*) FROM trainee_profile")).scalar()
            evidence = conn.execute(text("SELECT count(*) FROM evidence_entry")).scalar()
    finally:
        engine.dispose()
    return Dataset(engine_name(url), url, trainees, evidence, None, make_url(normalise_database_url(url)).database or "")


@contextlib.contextmanager
def throwaway_copy(url: str) -> Iterator[str]:
    """A copy of the database to measure on; dropped (or deleted) when the block ends, whatever happened in it."""
    if engine_name(url) == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="pbench-copy-"))
        target = folder / "copy.sqlite3"
        try:
            with (
                contextlib.closing(sqlite3.connect(sqlite_path(url))) as source,
                contextlib.closing(sqlite3.connect(target)) as copy,
            ):
                source.backup(copy)  # a consistent snapshot, the write-ahead log's pages included
            yield f"sqlite:///{target}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    source = make_url(normalise_database_url(url)).database
    name = f"{source[:48]}_copy_{secrets.token_hex(3)}"
    admin = _admin(url)
    try:
        with admin.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(:n)"), {"n": source}).scalar()
        # A large database copies faster file by file (after a checkpoint) than through the write-ahead log.
        strategy = "FILE_COPY" if size > 256 * 1024 * 1024 else "WAL_LOG"
        _pg_run(admin, f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY {strategy}')
        try:
            yield server_database_url(url, name)
        finally:
            _pg_run(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def fingerprint(url: str, content: bool = False) -> dict:
    """Each table's row count and largest id, the audit head, PostgreSQL's sequences, and (content=True) a digest of
    every row of the evidence and audit tables: equal before and after a run when the run left the dataset alone."""
    engine = _engine(url)
    out: dict = {"tables": {}}
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            for name in names:
                columns = {c["name"] for c in inspect(conn).get_columns(name)}
                largest = ", max(id)" if "id" in columns else ""
                row = conn.execute(text(f'SELECT count(*){largest} FROM "{name}"')).one()
                out["tables"][name] = list(row)
            if "audit_head" in names:
                out["audit_head"] = [list(r) for r in conn.execute(text("SELECT * FROM audit_head ORDER BY 1"))]
            if conn.dialect.name == "postgresql":
                out["sequences"] = {
                    r[0]: r[1]
                    for r in conn.execute(text("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences"))
                }
            if content:
                for name in CONTENT_TABLES:
                    if name in names:
                        digest = hashlib.sha256()
                        for row in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')):
                            digest.update(repr(tuple(row)).encode())
                        out.setdefault("content", {})[name] = digest.hexdigest()
    finally:
        engine.dispose()
    return out
