"""Demo training time: one trainee working less than full time (60%) since the start of their SIA, recorded by
their director through the service, so the audit log, the stage trajectory and the SOE date all show it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from competencies.training_time import LTFT, Period
from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile, TrainingPeriod
from trainee_portal.training_time import services

LTFT_TRAINEE, LTFT_PERCENT = "owen.price", 60


def load(today: date) -> None:
    trainee, director = by_email(LTFT_TRAINEE), by_email("director")
    if trainee is None or director is None:
        return
    if db.session.scalar(select(TrainingPeriod.id).where(TrainingPeriod.trainee_id == trainee.id)) is not None:
        return
    profile = db.session.get(TraineeProfile, trainee.id)
    period = Period(LTFT, profile.stage_started_on, None, LTFT_PERCENT)
    services.add_period(profile, period, "Less than full time at 60% from the start of the SIA.", director)
    db.session.flush()
