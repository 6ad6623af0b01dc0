"""Snapshots of every read model trainee_portal.summaries.SUMMARY_COLUMNS registers, for tests that compare what the
writes left with what `flask recompute-progress` makes of the same database, and an empty database between the
examples of a property-based test (the `app` fixture empties it only after the whole test)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import MetaData, Table, inspect, select

from trainee_portal.extensions import db
from trainee_portal.summaries import SUMMARY_COLUMNS

FLOAT_DIGITS = 6  # a percent kept on write and one recomputed agree to far more than this

Snapshot = dict[str, list[tuple]]


def _plain(value):
    if isinstance(value, float | Decimal):
        return round(float(value), FLOAT_DIGITS)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _order(row: tuple) -> tuple:
    return tuple((value is None, "" if value is None else value) for value in row)


def summary_table(name: str) -> Table:
    """The registered table as the database holds it; AssertionError naming it (or its missing columns) if the
    database lacks it, so a read model registered without its migration fails the comparison instead of passing it."""
    connection = db.session.connection()
    inspector = inspect(connection)
    if not inspector.has_table(name):
        raise AssertionError(f"summaries.SUMMARY_COLUMNS registers {name!r}, but the database has no such table")
    present = {column["name"] for column in inspector.get_columns(name)}
    missing = [column for column in SUMMARY_COLUMNS[name] if column not in present]
    if missing:
        raise AssertionError(f"summaries.SUMMARY_COLUMNS registers {name}.{', '.join(missing)}, not in the database")
    known = db.metadata.tables.get(name)
    return known if known is not None else Table(name, MetaData(), autoload_with=connection)


def snapshot() -> Snapshot:
    """Every registered table's listed columns, rows sorted, floats rounded to FLOAT_DIGITS, dates as ISO text."""
    result: Snapshot = {}
    for name, columns in sorted(SUMMARY_COLUMNS.items()):
        table = summary_table(name)
        rows = db.session.execute(select(*(table.c[column] for column in columns))).all()
        result[name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=_order)
    return result


def differences(kept: Snapshot, recomputed: Snapshot, limit: int = 12) -> list[str]:
    """What a recompute changed, table by table: rows only the writes left (-) and rows only the recompute made (+)."""
    found: list[str] = []
    for name in sorted(set(kept) | set(recomputed)):
        before, after = kept.get(name, []), recomputed.get(name, [])
        columns = ", ".join(SUMMARY_COLUMNS.get(name, ()))
        found += [f"{name} ({columns}) - {row}" for row in before if row not in after]
        found += [f"{name} ({columns}) + {row}" for row in after if row not in before]
    return found[:limit]


def empty_database() -> None:
    """Every table emptied (and the signed heads' copy outside the database removed), as after each test. DELETE on
    both engines: on PostgreSQL it empties a few dozen rows ten times faster than TRUNCATE (ids are not restarted)."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    (Path(current_app.instance_path) / "audit-checkpoints.jsonl").unlink(missing_ok=True)
