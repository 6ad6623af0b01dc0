"""Column helpers shared by the model modules."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timestamps are stored in UTC, timezone-naive, the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)
