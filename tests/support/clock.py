"""The tests' one clock. Read "today" and "now" here, never from date.today() or datetime.now(): these follow the
app's own clock (trainee_portal.platform.clock: the UK calendar day and the naive UTC now), and
the `clock` fixture (tests/conftest.py) sets both, for the app under test and for the tests, in one move."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta

from trainee_portal.platform.clock import uk_today as today
from trainee_portal.platform.clock import utcnow as now

__all__ = ["Clock", "ago", "days_ago", "now", "today"]

# The modules whose `datetime` the app reads the time through (each calls datetime.now(...)): the app's one clock.
CLOCK_MODULES = ("trainee_portal.platform.clock",)


def days_ago(days: int) -> date:
    """The UK calendar day `days` before today."""
    return today() - timedelta(days=days)


def ago(**delta) -> datetime:
    """The UTC timestamp that long before now: ago(days=15), ago(hours=2)."""
    return now() - timedelta(**delta)


def _stopped_at(instant: datetime) -> type[datetime]:
    """A datetime class whose now() is always `instant` (naive UTC), in whatever zone it is asked for."""
    aware = instant.replace(tzinfo=UTC)

    class Stopped(datetime):
        @classmethod
        def now(cls, tz=None):
            return aware.astimezone(tz) if tz is not None else aware.astimezone().replace(tzinfo=None)

    return Stopped


class Clock:
    """Stops the app's clock at an instant; the monkeypatch it was given undoes that when the test ends."""

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch

    today = staticmethod(today)
    now = staticmethod(now)
    days_ago = staticmethod(days_ago)
    ago = staticmethod(ago)

    def set(self, when: datetime | date) -> None:
        """Stop the clock at `when`: a naive UTC datetime, or a date (noon UTC, which is that day in the UK too)."""
        instant = when if isinstance(when, datetime) else datetime.combine(when, time(12))
        stopped = _stopped_at(instant)
        for module in CLOCK_MODULES:
            self._monkeypatch.setattr(f"{module}.datetime", stopped)

    @contextlib.contextmanager
    def at(self, when: datetime | date):
        """Stop the clock at `when` for a `with` block only."""
        with self._monkeypatch.context() as patch:
            Clock(patch).set(when)
            yield self
