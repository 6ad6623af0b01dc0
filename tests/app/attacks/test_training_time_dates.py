"""Training periods far in the future (the last day 9999-12-31 or near it) were a 500: the stage end in training time
overflowed the calendar. They are answered on the form instead."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.app.attacks.helpers import as_user
from tests.factories import DirectorFactory, RegionFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import TrainingPeriod


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "leave", "ends_on": "9999-12-31"},
        {"kind": "leave", "ends_on": "9999-12-30"},
        {"kind": "ltft", "wte_percent": "1", "ends_on": "9999-12-31"},
    ],
)
def test_a_period_ending_near_the_end_of_the_calendar_is_refused_on_the_form(app, data):
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    browser = as_user(app, director)
    response = browser.post(f"/training-time/{trainee.id}/new", data={"starts_on": clock.today().isoformat(), **data})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(TrainingPeriod)) == 0
    assert browser.get(f"/training-time/?trainee={trainee.id}").status_code == 200


def test_ending_an_open_period_near_the_end_of_the_calendar_is_refused_on_the_form(app):
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    browser = as_user(app, director)
    leave = {"kind": "leave", "starts_on": clock.today().isoformat()}
    assert browser.post(f"/training-time/{trainee.id}/new", data=leave).status_code == 302
    row = db.session.scalar(select(TrainingPeriod))
    response = browser.post(f"/training-time/periods/{row.id}/end", data={"ends_on": "9999-12-31"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(TrainingPeriod, row.id).ends_on is None
