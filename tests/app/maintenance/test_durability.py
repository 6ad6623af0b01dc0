"""Acknowledged writes survive a power cut: SQLite fsyncs every commit (synchronous=FULL in WAL mode), and
PostgreSQL keeps its durable default (synchronous_commit=on)."""

from __future__ import annotations

from sqlalchemy import text

from trainee_portal.extensions import db


def test_every_connection_commits_durably(app):
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        else:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert conn.execute(text("SHOW fsync")).scalar() == "on"
