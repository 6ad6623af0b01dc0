"""Bulk writers for the generated dataset: executemany on SQLite, COPY (psycopg) on PostgreSQL.

Rows arrive as dicts; columns a row leaves out get the model's scalar default (or NULL), so columns
other engineers add to the models do not break the generator.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Table, text

from trainee_portal.extensions import db


def _sqlite_value(value):
    # The same text forms SQLAlchemy's SQLite types write, so the ORM reads them back unchanged.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _fill_value(column):
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    return None


class BulkLoader:
    """Writes lists of row dicts table by table through the raw DB-API connection of one engine."""

    def __init__(self, engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.counts: dict[str, int] = {}
        self._columns: dict[str, tuple[list[str], dict]] = {}
        if self.dialect == "sqlite":
            cursor = self.raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")  # rows come in dependency order; the check after load is explicit
            cursor.close()

    def _layout(self, table: Table, sample: dict) -> tuple[list[str], dict]:
        if table.name not in self._columns:
            names = [c.name for c in table.columns]
            fill = {c.name: _fill_value(c) for c in table.columns if c.name not in sample}
            self._columns[table.name] = (names, fill)
        return self._columns[table.name]

    def write(self, table_name: str, rows: list[dict]) -> None:
        if not rows:
            return
        table = db.metadata.tables[table_name]
        names, fill = self._layout(table, rows[0])
        tuples = [tuple(row[n] if n in row else fill.get(n) for n in names) for row in rows]
        quoted = ", ".join(f'"{n}"' for n in names)
        cursor = self.raw.cursor()
        if self.dialect == "postgresql":
            with cursor.copy(f'COPY "{table_name}" ({quoted}) FROM STDIN') as copy:
                for row in tuples:
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" for _ in names)
            cursor.executemany(
                f'INSERT INTO "{table_name}" ({quoted}) VALUES ({placeholders})',
                [tuple(_sqlite_value(v) for v in row) for row in tuples],
            )
        cursor.close()
        self.counts[table_name] = self.counts.get(table_name, 0) + len(rows)

    def commit(self) -> None:
        self.raw.commit()

    def finish(self) -> None:
        """Commit, move PostgreSQL id sequences past the ids written, and check foreign keys on SQLite."""
        self.raw.commit()
        cursor = self.raw.cursor()
        if self.dialect == "postgresql":
            for table in db.metadata.sorted_tables:
                if "id" in table.columns and table.name in self.counts and table.c.id.primary_key:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'(SELECT COALESCE(MAX(id), 1) FROM "{table.name}"))'
                    )
        else:
            cursor.execute("PRAGMA foreign_key_check")
            problems = cursor.fetchall()
            if problems:
                raise RuntimeError(f"generated rows break foreign keys: {problems[:5]}")
            cursor.execute("PRAGMA foreign_keys=ON")
        self.raw.commit()
        cursor.close()
        self.raw.close()


def analyze(engine) -> None:
    """Leave the loaded database as a settled server would: the planner's statistics refreshed (SQLite's ANALYZE, as
    PRAGMA optimize would), and on PostgreSQL every table vacuumed too, as autovacuum does after a bulk load. Without
    the VACUUM no page is marked all-visible, so every index-only scan still reads the table's rows (the supervisor
    chart's lookup fetched all 3,133 at 1M rows) until autovacuum comes by, whose timing (or whose absence: it can be
    off) would then decide how fast a run is. The dataset is copied file by file for each run, visibility map
    included."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
        return
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
