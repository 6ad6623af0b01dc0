"""Today on the UK calendar: users enter calendar dates in the UK, so "today" and "the future" follow it, not the server."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_today() -> date:
    return datetime.now(UK).date()
