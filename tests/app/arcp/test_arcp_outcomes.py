"""ARCP outcomes: directors record them with the evidence the panel saw; trainees see their own, nobody else's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import CaseDiscussionFactory, DirectorFactory, RegionFactory, SupervisorFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, AuditRecord, OutboxMessage


@pytest.fixture
def setting(app):
    region = RegionFactory()
    director = DirectorFactory()
    direct(director, region=region)
    trainee = TraineeFactory(name="Dr Panel Subject", profile__region=region)
    return director, trainee


def form(**changes):
    data = {
        "training_year": "ST5",
        "outcome": "2",
        "panel_date": (clock.today() - timedelta(days=3)).isoformat(),
        "notes": "Needs two more DOPS in the spring block.",
    }
    data.update(changes)
    return data


def test_director_records_an_outcome_with_a_summary_of_the_evidence(client, login, setting):
    director, trainee = setting
    CaseDiscussionFactory(trainee=trainee)
    CaseDiscussionFactory(trainee=trainee, evidence_type="logbook.clinic", status="submitted")
    login(director)
    assert "Record an ARCP outcome" in client.get(f"/cohort/trainee/{trainee.id}").data.decode()
    response = client.post(f"/cohort/trainee/{trainee.id}/arcp", data=form())
    assert response.status_code == 302
    outcome = db.session.scalar(select(ArcpOutcome).where(ArcpOutcome.trainee_id == trainee.id))
    assert (outcome.training_year, outcome.outcome, outcome.recorded_by_id) == ("ST5", "2", director.id)
    summary = json.loads(outcome.evidence_summary)
    assert summary["evidence_total"] == 2
    assert summary["stages"]["higher"]["by_type"] == {"wba.cbd": 1, "logbook.clinic": 1}
    assert summary["stages"]["higher"]["signed"] == 1 and "percent" in summary["stages"]["higher"]
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "arcp.recorded")).trainee_id == trainee.id
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.category == "arcp.recorded"))
    assert message.user_id == trainee.id and message.link == "/arcp" and "outcome 2" in message.body
    page = client.get(response.headers["Location"]).data.decode()
    assert "ST5: Outcome 2" in page and "Needs two more DOPS" in page and "2 items" in page


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"outcome": "7"}, "Not a valid choice"),
        ({"outcome": ""}, "Choose the panel&#39;s outcome"),
        ({"training_year": "ST99"}, "Not a valid choice"),
        ({"panel_date": "31/02/2026"}, "real date"),
        ({"panel_date": (clock.today() + timedelta(days=2)).isoformat()}, "cannot be in the future"),
        ({"notes": "Discussed patient NHS number 943 476 5919 at length."}, "Remove &#34;943 476 5919&#34;"),
    ],
)
def test_bad_input_is_refused_and_the_form_keeps_what_was_typed(client, login, setting, changes, message):
    director, trainee = setting
    login(director)
    response = client.post(f"/cohort/trainee/{trainee.id}/arcp", data=form(**changes))
    page = response.data.decode()
    assert response.status_code == 400
    assert message in page and "There is a problem" in page
    assert "two more DOPS" in page or "943 476 5919" in page
    assert db.session.scalar(select(ArcpOutcome.id)) is None


def test_a_reconvened_panel_after_outcome_5_is_a_second_outcome_for_the_same_year(client, login, setting):
    director, trainee = setting
    login(director)
    first = form(outcome="5", panel_date=(clock.today() - timedelta(days=40)).isoformat())
    assert client.post(f"/cohort/trainee/{trainee.id}/arcp", data=first).status_code == 302
    again = client.post(f"/cohort/trainee/{trainee.id}/arcp", data=form(outcome="1"), follow_redirects=True)
    page = again.data.decode()
    assert again.status_code == 200 and "(reconvened panel after outcome 5)" in page
    assert "ST5: Outcome 1 – Satisfactory progress" in page and "Reconvened panel after outcome 5" in page
    rows = db.session.scalars(select(ArcpOutcome).where(ArcpOutcome.trainee_id == trainee.id)).all()
    assert sorted(r.outcome for r in rows) == ["1", "5"]
    assert len(db.session.scalars(select(AuditRecord).where(AuditRecord.action == "arcp.recorded")).all()) == 2
    same_day = client.post(f"/cohort/trainee/{trainee.id}/arcp", data=form(outcome="2"))
    assert same_day.status_code == 400 and "already recorded" in same_day.data.decode()
    client.post("/logout")
    login(trainee)
    mine = client.get("/arcp").data.decode()
    assert "Reconvened panel after outcome 5" in mine and "Incomplete evidence" in mine


@pytest.mark.parametrize(
    "code,meaning",
    [("7.1", "LAT/FTSTA post: satisfactory progress"), ("9", "Top-up training"), ("10.2", "COVID-delayed, extra time")],
)
def test_every_published_outcome_can_be_recorded_and_shows_its_meaning(client, login, setting, code, meaning):
    director, trainee = setting
    login(director)
    assert meaning in client.get(f"/cohort/trainee/{trainee.id}/arcp").data.decode()
    assert client.post(f"/cohort/trainee/{trainee.id}/arcp", data=form(outcome=code)).status_code == 302
    page = client.get(f"/cohort/trainee/{trainee.id}").data.decode()
    assert f"ST5: Outcome {code} – {meaning}" in page and "What each ARCP outcome means" in page


def test_only_the_trainees_directors_record_outcomes(client, login, setting):
    _, trainee = setting
    other = DirectorFactory()
    direct(other, region=RegionFactory())
    for user in (other, SupervisorFactory(), trainee):
        login(user)
        assert client.post(f"/cohort/trainee/{trainee.id}/arcp", data=form()).status_code == 403
        client.post("/logout")
    assert db.session.scalar(select(ArcpOutcome.id)) is None


def test_trainee_sees_their_own_outcomes_and_nobody_elses(client, login, setting):
    director, trainee = setting
    classmate = TraineeFactory(profile__region=trainee.trainee_profile.region)
    login(director)
    client.post(f"/cohort/trainee/{trainee.id}/arcp", data=form(notes="Private to the first trainee."))
    client.post(f"/cohort/trainee/{classmate.id}/arcp", data=form(notes="Private to the classmate."))
    client.post("/logout")
    login(trainee)
    moved = client.get("/cohort/my-arcp")  # the page's address before it had its own package
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/arcp")
    page = client.get("/arcp").data.decode()
    assert "Private to the first trainee." in page and "Private to the classmate." not in page
    assert "ARCP outcomes" in client.get("/").data.decode()  # in the navigation
    assert client.get(f"/cohort/trainee/{classmate.id}").status_code == 403


def test_staff_without_a_trainee_profile_have_no_own_arcp_page(client, login, setting):
    director, _ = setting
    login(director)
    assert client.get("/arcp").status_code == 403
