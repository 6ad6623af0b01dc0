"""The read-only trainee review reached from the dashboard, and the filtered exports."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.app.cohort.helpers import exam_attempts
from tests.factories import (
    AdminFactory,
    CaseDiscussionFactory,
    DirectorFactory,
    RegionFactory,
    SignOffRequestFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from trainee_portal import audit
from trainee_portal.extensions import db


def _setup():
    region = RegionFactory(name="London")
    director = DirectorFactory()
    direct(director, region=region)
    supervisor = SupervisorFactory(name="Dr Reviewer Supervisor")
    trainee = TraineeFactory(name="Dr Under Review", profile__region=region)
    assign(supervisor, trainee)
    return region, director, supervisor, trainee


def test_review_shows_stages_evidence_signoffs_exams_and_audit(client, login, app):
    _, director, supervisor, trainee = _setup()
    CaseDiscussionFactory(trainee=trainee)
    SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=3))
    exam_attempts(trainee, director, "MCQ", ["fail"])
    audit.append(
        "signoff.requested",
        actor=trainee,
        trainee_id=trainee.id,
        subject_type="evidence",
        subject_id=1,
        payload={"to": supervisor.email},
    )
    db.session.commit()
    login(director)
    dashboard = client.get("/cohort").data.decode()
    assert f'/cohort/trainee/{trainee.id}"' in dashboard
    page = client.get(f"/cohort/trainee/{trainee.id}").data.decode()
    for text in (
        "Stage 3",
        "SIA Pain Medicine",
        "2 current items",
        "CBD",
        "Dr Reviewer Supervisor",
        "Pending",
        "MCQ",
        "Fail",
        "signoff.requested",
        "Audit trail",
    ):
        assert text in page, text
    assert "<form" not in page.split("ARCP outcomes")[0].split("Trainee review")[1]  # read only above ARCP


def test_supervisors_and_trainees_cannot_open_the_review(client, login, app):
    _, _, supervisor, trainee = _setup()
    for user in (supervisor, trainee):
        login(user)
        assert client.get(f"/cohort/trainee/{trainee.id}").status_code == 403
        client.post("/logout")
    login(AdminFactory())
    assert client.get(f"/cohort/trainee/{trainee.id}").status_code == 200
    assert client.get("/cohort/trainee/999999").status_code == 404


def test_exports_apply_the_filters(client, login, app):
    region, director, supervisor, trainee = _setup()
    TraineeFactory(name="Dr Basic Stage", profile__region=region, profile__current_stage="basic")
    TraineeFactory(name='=HYPERLINK("x")', profile__region=region, profile__current_stage="higher")
    SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=20))
    login(director)
    response = client.get("/cohort/export.csv?stage=higher")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    names = [r[0] for r in rows[1:]]
    assert rows[0][0] == "Name" and "Dr Under Review" in names and "Dr Basic Stage" not in names
    assert '\'=HYPERLINK("x")' in names  # never a live formula
    mine = next(r for r in rows if r[0] == "Dr Under Review")
    assert mine[10] == "1" and mine[11] == "1" and "Sign-off waiting over 14 days" in mine[-1]
    xlsx = client.get("/cohort/export.xlsx?stage=higher")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    assert values[0][0] == "Name" and len(values) == len(rows)
    assert {v[0] for v in values[1:]} == set(names)


def test_exports_need_the_dashboard_permission(client, login, app):
    _, _, supervisor, _ = _setup()
    login(supervisor)
    assert client.get("/cohort/export.csv").status_code == 403
    assert client.get("/cohort/export.xlsx").status_code == 403


def test_the_review_names_stages_from_the_trainees_own_curriculum(client, login):
    region, director = _setup()[:2]
    trainee = TraineeFactory(name="Dr Own Curriculum", profile__region=region)
    CaseDiscussionFactory(trainee=trainee, stage_level="higher")
    login(director)
    page = client.get(f"/cohort/trainee/{trainee.id}").data.decode()
    assert "current stage Stage 3 pain (higher pain training)" in page
    assert "current stage Higher" not in page and ">Higher<" not in page
    assert "Required evidence items in place" in page
