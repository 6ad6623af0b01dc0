"""Stored times as the UK lives them. Every timestamp column holds naive UTC; users read dates and times on the UK's
clock, which runs an hour ahead of UTC in summer, so a time from 23:00 to midnight UTC then falls on the next UK day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_time(stored: datetime) -> datetime:
    """A stored time (naive UTC) on the UK's clock, with its zone."""
    return stored.replace(tzinfo=UTC).astimezone(UK)


def uk_day(stored: datetime) -> date:
    """The UK calendar day of a stored time."""
    return uk_time(stored).date()


def days_since(stored: datetime, today: date) -> int:
    """Whole UK calendar days from a stored time to `today` (a UK calendar day): 0 on the day itself, 1 the day after,
    never less than 0. "Sent 3 days ago" and "waiting 20 days" count the days the user lives, not UTC's."""
    return max((today - uk_day(stored)).days, 0)
