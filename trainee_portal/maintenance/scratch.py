"""Empty databases beside a live one, for checks that must not touch it: a restored backup's verification, the
tests, the benchmark's small dataset."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trainee_portal.settings import normalise_database_url


def new_database(beside: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on the server `beside` names (a new SQLite file in a temporary folder when it names
    SQLite or nothing); returns its URL and a function that drops it. PostgreSQL names stay within its 63 bytes."""
    if not beside.startswith(("postgres://", "postgresql")):
        folder = tempfile.mkdtemp(prefix=f"{prefix}-")
        return f"sqlite:///{Path(folder) / 'scratch.sqlite3'}", lambda: None
    url = make_url(normalise_database_url(beside))
    name = f"{prefix}_{secrets.token_hex(4)}"[-63:]
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop
