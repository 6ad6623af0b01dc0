"""The app's one clock. "Today" is the UK calendar day: users enter calendar dates in the UK, so "today" and "the
future" follow it, not the server. "Now" is UTC: timestamps are stored in UTC, timezone-naive, the same on SQLite
and PostgreSQL. Everything in the app reads the time here (the tests' clock fixture stops it here)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask

from competencies.calendar_days import UK, days_since, uk_time


def uk_today() -> date:
    return datetime.now(UK).date()


def utcnow() -> datetime:
    """Now in UTC, timezone-naive, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def utcnow_aware() -> datetime:
    """Now in UTC with its zone, for rules that compare against zone-aware times."""
    return datetime.now(UTC)


def init_app(app: Flask) -> None:
    """Templates show stored times on the UK's clock: `{{ (r.created_at | uk).strftime(...) }}`, and count whole UK
    calendar days with `{{ r.created_at | days_since(today) }}`."""
    app.jinja_env.filters["uk"] = uk_time
    app.jinja_env.filters["days_since"] = days_since
