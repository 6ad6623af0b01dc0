"""Builders for exam tests: sittings relative to today, attempts and RAPM confirmations."""

from __future__ import annotations

from datetime import date, timedelta

from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import ExamAttempt, ExamSitting, RapmConfirmation


def sitting(part: str, days_from_today: int, window: tuple[int, int] | None = None) -> ExamSitting:
    """A sitting `days_from_today` away; window = (opens, closes) in days from today (default: closed)."""
    today = clock.today()
    sits_on = today + timedelta(days=days_from_today)
    opens, closes = window or (days_from_today - 120, days_from_today - 90)
    row = ExamSitting(
        part=part, sits_on=sits_on, opens_on=today + timedelta(days=opens), closes_on=today + timedelta(days=closes)
    )
    db.session.add(row)
    db.session.commit()
    return row


def attempt(trainee, sitting_row: ExamSitting, result: str, score: float | None = None, note: str | None = None):
    row = ExamAttempt(
        trainee_id=trainee.id,
        sitting_id=sitting_row.id,
        result=result,
        score=score,
        extra_training_note=note,
        recorded_by_id=trainee.id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def confirm(trainee, director, started_on: date, confirmed_on: date | None = None):
    row = RapmConfirmation(
        trainee_id=trainee.id,
        confirmed_by_id=director.id,
        confirmed_on=confirmed_on or clock.today(),
        advanced_training_started_on=started_on,
    )
    db.session.add(row)
    db.session.commit()
    return row
