"""The trainee dashboard: three charts from real progress, each with a table, and who may open whose dashboard."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from tests.app.logbook.helpers import CLINIC
from tests.factories import (
    DirectorFactory,
    EvidenceFactory,
    RegionFactory,
    SignOffFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from trainee_portal import curricula
from trainee_portal.dashboard import charts
from trainee_portal.logbook.queries import Timeline


def _figures(page: str) -> dict:
    blocks = re.findall(r'<script type="application/json" id="([\w-]+)-data">(.*?)</script>', page, re.S)
    return {name: json.loads(body) for name, body in blocks}


def test_trainee_dashboard_has_three_charts_each_with_a_table(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = client.get("/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert set(_figures(page)) == {"stage-chart", "domain-chart", "trajectory-chart"}
    assert page.count("Show the figures as a table") == 3
    assert "/vendor/plotly.min.js" in page and "js/charts.js" in page and "<script>" not in page


def test_charts_move_when_evidence_is_signed(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    login(trainee)
    before = _figures(client.get("/dashboard").get_data(as_text=True))
    stage3 = dict(zip(before["stage-chart"]["data"][0]["y"], before["stage-chart"]["data"][0]["x"]))[
        "Stage 3 pain (higher pain training)"
    ]
    for n in range(6):
        SignOffFactory(
            evidence=EvidenceFactory(trainee=trainee, title=f"Clinic {n}", occurred_on=clock.today() - timedelta(days=n + 1)),
            signer=supervisor,
        )
    after_page = client.get("/dashboard").get_data(as_text=True)
    after = _figures(after_page)
    moved = dict(zip(after["stage-chart"]["data"][0]["y"], after["stage-chart"]["data"][0]["x"]))[
        "Stage 3 pain (higher pain training)"
    ]
    assert moved > stage3
    in_progress = next(t for t in after["domain-chart"]["data"] if t["name"] == "In progress")
    assert sum(in_progress["x"]) == 1  # S3_PM_01 has its clinics but still needs an A-CEX
    assert "Logged for this stage: <strong>6</strong> entries – 6 signed off, 0 awaiting" in " ".join(after_page.split())
    trajectory = after["trajectory-chart"]["data"][0]["y"]
    assert trajectory[-1] == moved and trajectory[0] <= trajectory[-1]


def test_trajectory_follows_entry_dates_and_the_expected_line(app):
    curriculum = curricula.curriculum("2021")
    stage = curriculum.stage_for_level("higher")
    start = date(2026, 1, 5)
    days = [start + timedelta(days=10 + n) for n in range(6)]
    timeline = Timeline([(day, "logbook.clinic", "2b", "signed", CLINIC, 1) for day in days], [(day, 1) for day in days])
    points = charts.trajectory(curriculum, stage, start, date(2026, 3, 2), timeline)
    assert points[0].on == start and points[0].entries == 0 and points[0].expected == 0.0
    assert points[-1].on == date(2026, 3, 2) and points[-1].entries == 6
    assert [p.percent for p in points] == sorted(p.percent for p in points) and points[-1].percent > 0
    assert points[-1].expected is not None and 0 < points[-1].expected < 100
    assert all(later.on - earlier.on <= timedelta(days=7) for earlier, later in zip(points, points[1:]))


def test_long_stages_are_sampled_every_four_weeks(app):
    curriculum = curricula.curriculum("2021")
    stage = curriculum.stage_for_level("basic")
    points = charts.trajectory(curriculum, stage, date(2023, 1, 2), date(2026, 1, 2), Timeline([], []))
    assert 30 < len(points) < 45 and points[-1].on == date(2026, 1, 2)


def test_supervisor_opens_an_assigned_trainees_dashboard_only(client, login):
    trainee, other, supervisor = TraineeFactory(name="Dr Ada Trainee"), TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    login(supervisor)
    picker = client.get("/dashboard").get_data(as_text=True)
    assert "Choose a trainee to see their progress" in picker and "Dr Ada Trainee" in picker
    page = client.get(f"/dashboard?trainee={trainee.id}").get_data(as_text=True)
    assert "Dr Ada Trainee" in page and "Record evidence" not in page
    assert client.get(f"/dashboard?trainee={other.id}").status_code == 403
    assert client.get("/dashboard?trainee=abc").status_code == 404


def test_director_opens_dashboards_in_their_region(client, login):
    region = RegionFactory()
    trainee, outsider, director = TraineeFactory(profile__region=region), TraineeFactory(), DirectorFactory()
    direct(director, region=region)
    login(director)
    assert client.get(f"/dashboard?trainee={trainee.id}").status_code == 200
    assert client.get(f"/dashboard?trainee={outsider.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
