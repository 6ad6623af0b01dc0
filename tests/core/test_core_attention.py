"""The rules the supervisor's and administrator's home pages read, as plain functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from competencies import attention
from competencies.provenance import SUGGESTION

NOW = datetime(2026, 12, 1, 13, 0)


def test_every_threshold_is_the_programmes_own_suggestion():
    for threshold in attention.THRESHOLDS.values():
        assert threshold.basis == SUGGESTION and not threshold.sources
        assert threshold.provenance == "The programme's own suggestion (no published source)"


def test_coming_window_includes_its_last_day():
    today = date(2026, 12, 1)
    assert attention.coming_until(today) == today + timedelta(days=attention.ARCP_COMING_DAYS.value)


def test_days_waiting_counts_calendar_days():
    assert attention.days_waiting(datetime(2026, 12, 1, 0, 5), NOW) == 0
    assert attention.days_waiting(datetime(2026, 11, 30, 23, 59), NOW) == 1
    assert attention.days_waiting(datetime(2026, 12, 2, 9, 0), NOW) == 0  # a clock a little ahead is not negative


def test_backup_too_old_after_the_threshold_and_when_there_is_none():
    limit = timedelta(hours=attention.BACKUP_MAX_AGE_HOURS.value)
    assert attention.backup_too_old(None, NOW)
    assert not attention.backup_too_old(NOW - limit, NOW)
    assert attention.backup_too_old(NOW - limit - timedelta(seconds=1), NOW)


def test_awaiting_first_sign_in_needs_active_never_signed_in_and_a_temporary_password():
    assert attention.awaiting_first_sign_in(True, None, True)
    assert not attention.awaiting_first_sign_in(False, None, True)  # deactivated
    assert not attention.awaiting_first_sign_in(True, NOW, True)  # signed in once
    assert not attention.awaiting_first_sign_in(True, None, False)  # no invitation's temporary password


def test_outbox_failed_needs_a_failed_try_and_no_send():
    assert attention.outbox_failed(None, 1, "SMTPConnectError")
    assert not attention.outbox_failed(NOW, 2, None)  # sent in the end
    assert not attention.outbox_failed(None, 0, None)  # queued, never tried
    assert not attention.outbox_failed(None, 0, "Not sent: the request or link was no longer pending.")  # skipped


def test_a_backup_dated_later_than_now_is_never_reassuring():
    now = datetime(2026, 12, 1, 12, 0)
    assert not attention.backup_from_future(now + timedelta(minutes=4), now)  # a moment's clock difference
    assert attention.backup_from_future(now + timedelta(minutes=6), now)
    assert attention.backup_too_old(now + timedelta(days=400), now)
    assert not attention.backup_from_future(None, now)
