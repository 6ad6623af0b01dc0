"""The bare write's table (the durable-write floor, /_benchmark/bare-write): defined here, apart from the app's
metadata, so no migration makes it and the app's schema check never sees it; the benchmark creates it on the
throwaway copy it measures."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

from trainee_portal.platform.benchmarking import BARE_WRITE_TABLE

BARE_WRITE_METADATA = MetaData()
bare_write_table = Table(
    BARE_WRITE_TABLE,
    BARE_WRITE_METADATA,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("note", String(200), nullable=False),
)


def create_bare_write_table(engine) -> None:
    """Make the bare write's table on the database the benchmark measures (a throwaway copy), if it is absent."""
    BARE_WRITE_METADATA.create_all(engine, checkfirst=True)
