"""What a supervisor's and an administrator's home page call for attention, each rule once, with where it comes from.

The thresholds speak as the cohort flags do (`flags.Threshold`): none of these numbers is given by an FPM or RCoA
publication, so each is the programme's own suggestion. What counts as waiting for a sign-off and as overdue is
`flags.SIGNOFF_WAIT_DAYS`; behind, idle and waiting trainees are `flags.FLAG_TITLES`, not redefined here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from .calendar_days import days_since, uk_day
from .flags import SUGGESTION, Threshold

ARCP_COMING_DAYS = Threshold(
    "arcp_coming_days",
    42,
    "days ahead within which a trainee's ARCP panel counts as coming on a supervisor's home page",
    SUGGESTION,
)
BACKUP_MAX_AGE_HOURS = Threshold(
    "backup_max_age_hours",
    26,
    "hours after which the latest backup counts as too old (a daily backup, with two hours' grace)",
    SUGGESTION,
)

THRESHOLDS: dict[str, Threshold] = {t.key: t for t in (ARCP_COMING_DAYS, BACKUP_MAX_AGE_HOURS)}


def coming_until(today: date) -> date:
    """The last day a panel may fall on and still count as coming (today included as the first)."""
    return today + timedelta(days=ARCP_COMING_DAYS.value)


def days_waiting(since: datetime, now: datetime) -> int:
    """Whole UK calendar days something has waited from `since` to `now` (both stored times, naive UTC)."""
    return days_since(since, uk_day(now))


BACKUP_CLOCK_GRACE = timedelta(minutes=5)  # a backup record this far ahead of now cannot be right


def backup_from_future(taken_at: datetime | None, now: datetime) -> bool:
    """The latest backup is recorded as taken later than now (beyond a moment's clock difference): the record or the
    server's clock is wrong, so its age means nothing."""
    return taken_at is not None and taken_at - now > BACKUP_CLOCK_GRACE


def backup_too_old(taken_at: datetime | None, now: datetime) -> bool:
    """No backup at all, the latest older than BACKUP_MAX_AGE_HOURS, or one whose time cannot be right (from the
    future): none of them may reassure."""
    return taken_at is None or now - taken_at > timedelta(hours=BACKUP_MAX_AGE_HOURS.value) or backup_from_future(taken_at, now)


def _both(*conditions):
    return all(conditions)


def awaiting_first_sign_in(active, last_login_at, must_change_password, *, is_none: Callable = None, every: Callable = _both):
    """An account created with a temporary password (by an administrator's invitation or the create-user command) that
    is still active and has never signed in. Written with comparisons only, so that given SQL column expressions,
    `is_none=lambda c: c.is_(None)` and `every=sqlalchemy.and_` it builds the same rule as a query condition."""
    never = is_none(last_login_at) if is_none else last_login_at is None
    return every(active == True, never, must_change_password == True)  # noqa: E712 (SQL expressions compare with ==)


def outbox_failed(sent_at, attempts, last_error, *, is_none: Callable = None, every: Callable = _both):
    """An email not sent after at least one try that failed (still retrying, or given up after MAIL_MAX_ATTEMPTS). A
    message skipped because its request was no longer pending was never tried (no attempt), so it is not a failure.
    Built as a query condition the same way as awaiting_first_sign_in."""
    if is_none:
        return every(is_none(sent_at), attempts > 0, ~is_none(last_error))
    return every(sent_at is None, attempts > 0, last_error is not None)
