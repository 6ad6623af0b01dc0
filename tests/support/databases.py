"""Scratch databases for the tests and the benchmarks: a new PostgreSQL database on the server a URL names, or a
SQLite file in a new temporary folder."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trainee_portal.settings import normalise_database_url


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql"))


def scratch_database(base_url: str, name: str, prefix: str = "portal_test") -> tuple[str, Callable[[], None]]:
    """An empty database on the engine `base_url` names; returns (its URL, drop). On PostgreSQL it is database
    `name` on the same server (a leftover of that name is dropped first); otherwise a SQLite file under a new
    temporary folder whose name starts with `prefix`."""
    if not is_postgres(base_url):
        folder = tempfile.mkdtemp(prefix=prefix)
        return f"sqlite:///{Path(folder) / 'test.sqlite3'}", lambda: None
    url = make_url(normalise_database_url(base_url))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop
