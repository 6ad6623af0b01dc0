"""The first and last days a date input accepts (1 January of year 1, 31 December 9999), typed in the boxes or sent as
one value, on the forms that count days from a date: a message or a saved record, never a server error."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories as make
from tests.app.logbook.helpers import form_data
from tests.factories import direct

EXTREMES = [date(1, 1, 1), date(1, 1, 2), date(9999, 12, 31), date(9999, 12, 30)]


def _parts(name: str, when: date) -> dict:
    return {f"{name}-day": str(when.day), f"{name}-month": str(when.month), f"{name}-year": f"{when.year:04d}"}


def _ok(response):
    assert response.status_code < 500, response.get_data(as_text=True)[-2000:]


@pytest.mark.parametrize("when", EXTREMES)
def test_extreme_evidence_dates(client, login, when):
    trainee = make.TraineeFactory()
    login(trainee)
    data = form_data()
    data.pop("occurred_on")
    _ok(client.post("/logbook/new", data=data | _parts("occurred_on", when)))
    _ok(client.post("/logbook/new", data=form_data(occurred_on=when.isoformat())))
    _ok(client.get("/logbook/", query_string={"date_from": when.isoformat(), "date_to": when.isoformat()}))
    _ok(client.get("/logbook/", query_string=_parts("date_from", when) | _parts("date_to", when)))
    _ok(client.get("/"))


@pytest.mark.parametrize("when", EXTREMES)
def test_extreme_exam_sitting_dates(client, login, when):
    login(make.AdminFactory())
    data = {"part": "MCQ"} | _parts("sits_on", when) | _parts("opens_on", when) | _parts("closes_on", when)
    _ok(client.post("/exams/sittings/new", data=data))
    _ok(client.get("/exams/sittings"))
    _ok(client.get("/"))


@pytest.mark.parametrize("when", EXTREMES)
def test_extreme_training_time_and_panel_dates(client, login, when):
    region = make.RegionFactory(name="London")
    trainee = make.TraineeFactory(profile__region=region)
    director = make.DirectorFactory()
    direct(director, region=region)
    login(director)
    _ok(client.post(f"/training-time/{trainee.id}/new", data={"kind": "ltft", "wte_percent": "50"} | _parts("starts_on", when)))
    _ok(
        client.post(
            f"/training-time/{trainee.id}/new", data={"kind": "leave"} | _parts("starts_on", when) | _parts("ends_on", when)
        )
    )
    _ok(client.get(f"/training-time/?trainee={trainee.id}"))
    panel = {"scope": f"region-{region.id}", "training_year": "ST6", "title": "Panel", "trainees": [trainee.id]}
    _ok(client.post("/panels/new", data=panel | _parts("panel_date", when)))
    _ok(client.get("/panels/"))
    _ok(client.get("/"))
    _ok(client.get("/cohort"))
