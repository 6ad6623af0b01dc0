"""Training periods at /training-time: kept by a director in scope or the administrator (audited), read by the
trainee; bad input answered on the form; and every time rule moves with them: the SOE's months of advanced/SIA
training, the projected Fellowship date, the cohort's "behind" flag, and the demo journey of a new user."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import (
    AdminFactory,
    DirectorFactory,
    RapmConfirmationFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, TraineeProfile, TrainingPeriod


@pytest.fixture
def people(app):
    region = RegionFactory(name="London")
    trainee = TraineeFactory(name="Dr Part Time", profile__region=region)
    director = DirectorFactory(name="Dr London Director")
    direct(director, region=region)
    return trainee, director


def _ltft(percent="50", starts=None, **extra):
    return {"kind": "ltft", "wte_percent": percent, "starts_on": (starts or clock.today()).isoformat(), **extra}


def _count():
    return db.session.scalar(select(func.count()).select_from(TrainingPeriod))


def test_director_in_scope_adds_ends_and_removes_a_period_each_audited(client, login, people):
    trainee, director = people
    login(director)
    assert client.get(f"/training-time/{trainee.id}/new").status_code == 200
    response = client.post(
        f"/training-time/{trainee.id}/new", data=_ltft("60", clock.today() - timedelta(days=30), note="Agreed")
    )
    assert response.status_code == 302
    row = db.session.scalar(select(TrainingPeriod))
    assert (row.kind, row.wte_percent, row.ends_on, row.recorded_by_id) == ("ltft", 60, None, director.id)
    assert db.session.get(TraineeProfile, trainee.id).stage_ends_on is not None  # the read model follows
    page = client.get(f"/training-time/?trainee={trainee.id}").data.decode()
    assert "Less than full time (LTFT)" in page and "60%" in page and "The programme&#39;s own rule" in page
    assert 'id="absence-review"' not in page
    leave = {"kind": "leave", "starts_on": (clock.today() - timedelta(days=20)).isoformat()}
    assert client.post(f"/training-time/{trainee.id}/new", data=leave).status_code == 302  # leave within LTFT
    page = client.get(f"/training-time/?trainee={trainee.id}").data.decode()
    assert 'id="absence-review"' in page and "21 calendar days" in page and "a review of their CCT date" in page
    leave_id = db.session.scalar(select(TrainingPeriod.id).where(TrainingPeriod.kind == "leave"))
    assert client.post(f"/training-time/periods/{leave_id}/delete", data={"reason": "Test"}).status_code == 302

    assert client.post(f"/training-time/periods/{row.id}/end", data={"ends_on": clock.today().isoformat()}).status_code == 302
    assert db.session.get(TrainingPeriod, row.id).ends_on == clock.today()
    response = client.post(f"/training-time/periods/{row.id}/delete", data={})
    assert response.status_code == 400 and "Say why the period is removed" in response.data.decode()
    assert client.post(f"/training-time/periods/{row.id}/delete", data={"reason": "Recorded in error"}).status_code == 302
    assert _count() == 0
    assert db.session.get(TraineeProfile, trainee.id).stage_ends_on is None
    records = db.session.execute(select(AuditRecord.action, AuditRecord.trainee_id, AuditRecord.actor_id)).all()
    actions = [(a, t, who) for a, t, who in records if a.startswith("training_period.")]
    assert actions == [
        ("training_period.added", trainee.id, director.id),
        ("training_period.added", trainee.id, director.id),
        ("training_period.deleted", trainee.id, director.id),
        ("training_period.ended", trainee.id, director.id),
        ("training_period.deleted", trainee.id, director.id),
    ]


def test_the_administrator_may_keep_periods_too(client, login, people):
    trainee, _ = people
    login(AdminFactory())
    assert (
        client.post(
            f"/training-time/{trainee.id}/new", data={"kind": "leave", "starts_on": clock.today().isoformat()}
        ).status_code
        == 302
    )
    assert _count() == 1


def test_out_of_scope_director_supervisor_and_trainee_cannot_write(client, login, people):
    trainee, director = people
    login(director)
    client.post(f"/training-time/{trainee.id}/new", data=_ltft("80", clock.today() - timedelta(days=10)))
    client.post("/logout")
    row_id = db.session.scalar(select(TrainingPeriod.id))
    outsider = DirectorFactory()
    direct(outsider, region=RegionFactory(name="North West"))
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    for who in (outsider, supervisor, trainee):
        login(who)
        assert client.post(f"/training-time/{trainee.id}/new", data=_ltft("50")).status_code == 403
        assert client.post(f"/training-time/periods/{row_id}/end", data={"ends_on": clock.today().isoformat()}).status_code == 403
        assert client.post(f"/training-time/periods/{row_id}/delete", data={"reason": "x"}).status_code == 403
        client.post("/logout")
    assert _count() == 1 and db.session.get(TrainingPeriod, row_id).ends_on is None
    login(trainee)  # the trainee reads their own, without the buttons
    page = client.get("/training-time/").data.decode()
    assert "80%" in page and "Add a period" not in page and "Remove" not in page
    assert client.get(f"/training-time/?trainee={trainee.id + 999}").status_code == 403


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "ltft", "starts_on": "2026-01-05"}, "Enter the percentage of full time worked"),
        (_ltft("120"), "above 0 and below 100"),
        (_ltft("100"), "above 0 and below 100"),
        (_ltft("sixty"), "whole number, for example 60"),
        ({"kind": "leave", "wte_percent": "50", "starts_on": "2026-01-05"}, "Only less-than-full-time periods"),
        (_ltft("50", ends_on="2000-01-01"), "cannot end before it starts"),
        ({"kind": "ltft", "wte_percent": "50", "starts_on": "31/02/2026"}, "Enter a real date"),
        ({"kind": "holiday", "starts_on": "2026-01-05"}, "Not a valid choice"),
        ({"kind": "ltft", "wte_percent": "50"}, "Enter the first day of the period"),
    ],
)
def test_bad_input_is_answered_on_the_form_and_keeps_what_was_typed(client, login, people, data, message):
    trainee, director = people
    login(director)
    response = client.post(f"/training-time/{trainee.id}/new", data=data)
    page = response.data.decode()
    assert response.status_code == 400 and message in page, page[:3000]
    assert _count() == 0
    if data.get("wte_percent"):
        assert f'value="{data["wte_percent"]}"' in page


def test_overlapping_ltft_periods_are_refused_but_leave_inside_ltft_is_fine(client, login, people):
    trainee, director = people
    login(director)
    start = clock.today() - timedelta(days=100)
    assert client.post(f"/training-time/{trainee.id}/new", data=_ltft("60", start)).status_code == 302
    response = client.post(f"/training-time/{trainee.id}/new", data=_ltft("80", start + timedelta(days=50)))
    assert response.status_code == 400 and "It overlaps the less than full time period from" in response.data.decode()
    leave = {
        "kind": "leave",
        "starts_on": (start + timedelta(days=10)).isoformat(),
        "ends_on": (start + timedelta(days=20)).isoformat(),
    }
    assert client.post(f"/training-time/{trainee.id}/new", data=leave).status_code == 302
    ltft_id = db.session.scalar(select(TrainingPeriod.id).where(TrainingPeriod.kind == "ltft"))
    response = client.post(f"/training-time/periods/{ltft_id}/end", data={"ends_on": (start - timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "cannot end before it starts" in response.data.decode()


def _soe_line(page: str) -> str:
    return re.search(r'id="soe-training-time">(.*?)</li>', page, re.S).group(1)


def _projected(page: str) -> str:
    return re.search(r"Projected Fellowship date: ([A-Za-z]+ \d{4})", page).group(1)


def test_readiness_soe_date_and_projection_move_with_a_50_percent_period(client, login, people):
    trainee, director = people
    started = clock.today() - timedelta(days=30)
    RapmConfirmationFactory(trainee=trainee, director=director, advanced_training_started_on=started)
    login(director)
    before = client.get(f"/exams/?trainee={trainee.id}").data.decode()
    assert "at full time" in _soe_line(before)
    client.post(f"/training-time/{trainee.id}/new", data=_ltft("50", started))
    after = client.get(f"/exams/?trainee={trainee.id}").data.decode()
    line = _soe_line(after)
    assert "taken into account" in line and "1 period" in line
    dates = [re.search(r"<strong>(.*?)</strong>", text).group(1) for text in (_soe_line(before), line)]
    assert dates[0] != dates[1]
    assert "Less-than-full-time training, leave and time out of programme are taken into account" in after
    dashboard = client.get(f"/dashboard?trainee={trainee.id}").data.decode()
    assert "taken into account" in dashboard


def test_the_cohort_behind_flag_counts_training_time(client, login, people):
    _, director = people
    region = db.session.get(TraineeProfile, people[0].id).region
    # 10 weeks into a 12-week stage with nothing done is behind; not for a trainee on leave since week 2.
    ten_weeks = clock.today() - timedelta(weeks=10)
    TraineeFactory(name="Dr Late Starter", profile__region=region, profile__stage_started_on=ten_weeks)
    on_leave = TraineeFactory(name="Dr On Leave", profile__region=region, profile__stage_started_on=ten_weeks)
    login(director)
    page = client.get("/cohort?flag=behind").data.decode()
    assert "Dr Late Starter" in page and "Dr On Leave" in page
    leave = {"kind": "leave", "starts_on": (ten_weeks + timedelta(weeks=2)).isoformat()}
    assert client.post(f"/training-time/{on_leave.id}/new", data=leave).status_code == 302
    page = client.get("/cohort").data.decode()
    row = page[page.index("Dr On Leave") : page.index("</tr>", page.index("Dr On Leave"))]
    assert 'data-flag="behind"' not in row
    filtered = client.get("/cohort?flag=behind").data.decode()
    assert "Dr Late Starter" in filtered and "Dr On Leave" not in filtered


def test_moving_the_stage_keeps_the_stage_end_in_training_time(app, people):
    trainee, director = people
    profile = db.session.get(TraineeProfile, trainee.id)
    db.session.add(
        TrainingPeriod(
            trainee_id=trainee.id,
            kind="ltft",
            wte_percent=50,
            starts_on=clock.today() - timedelta(days=400),
            recorded_by_id=director.id,
        )
    )
    db.session.commit()
    profile.stage_started_on = clock.today() - timedelta(days=7)  # as the admin's profile form would
    db.session.commit()
    assert profile.stage_ends_on == profile.stage_started_on + timedelta(weeks=24)  # 12 weeks at 50%


def test_demo_journey_a_50_percent_period_moves_the_soe_date_and_the_projection(client, app):
    from trainee_portal.demo import load_demo
    from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD

    load_demo()
    client.post("/login", data={"email": f"director@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    picker = client.get("/training-time/").data.decode()
    trainee_id = re.search(r'value="(\d+)"[^>]*>Dr Aisha Khan', picker).group(1)
    before = client.get(f"/exams/?trainee={trainee_id}").data.decode()
    response = client.post(f"/training-time/{trainee_id}/new", data=_ltft("50"), follow_redirects=True)
    assert response.status_code == 200 and "period added for Dr Aisha Khan" in response.data.decode()
    after = client.get(f"/exams/?trainee={trainee_id}").data.decode()
    soe = [re.search(r"<strong>(.*?)</strong>", _soe_line(page)).group(1) for page in (before, after)]
    assert soe[0] != soe[1] and "taken into account" in _soe_line(after)
    assert _projected(before) != _projected(after)
    # the demo's own LTFT trainee shows on their page
    owen = re.search(r'value="(\d+)"[^>]*>Dr Owen Price', picker).group(1)
    assert "60%" in client.get(f"/training-time/?trainee={owen}").data.decode()


def test_the_days_a_period_takes_away_read_as_tenths_without_float_residue():
    from trainee_portal.training_time.queries import period_views

    row = TrainingPeriod(kind="ltft", wte_percent=80, starts_on=date(2026, 6, 1), ends_on=date(2026, 11, 30))
    (view,) = period_views([row], date(2026, 12, 1))
    assert (view.calendar_days, view.training_days, view.days_less) == (183, 146.4, 36.6)
    row.starts_on = date(2026, 6, 1)
    row.ends_on = date(2026, 6, 2)
    row.wte_percent = 70
    (view,) = period_views([row], date(2026, 12, 1))
    assert str(view.days_less) == "0.6"
