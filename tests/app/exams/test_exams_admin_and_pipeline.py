"""Administrators manage sittings; directors see their cohort's exam pipeline from aggregates; access rules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.factories import (
    AdminFactory,
    DirectorFactory,
    ExamAttemptFactory,
    ExamPrerequisiteFactory,
    ExamSittingFactory,
    RapmConfirmationFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import ExamSitting


def test_admin_adds_and_edits_a_sitting_and_bad_windows_are_refused(client, login):
    login(AdminFactory())
    today = clock.today()
    data = {
        "part": "MCQ",
        "sits_on": (today + timedelta(days=90)).isoformat(),
        "opens_on": (today + timedelta(days=10)).isoformat(),
        "closes_on": (today + timedelta(days=40)).isoformat(),
    }
    assert client.post("/exams/sittings/new", data=data).status_code == 302
    page = client.get("/exams/sittings").data.decode()
    assert "MCQ" in page and "Not open yet" in page
    response = client.post("/exams/sittings/new", data=data)
    assert response.status_code == 400 and "already an MCQ sitting" in response.data.decode()
    late = dict(data, closes_on=(today + timedelta(days=95)).isoformat())
    response = client.post("/exams/sittings/new", data=late)
    assert response.status_code == 400 and "close before the exam date" in response.data.decode()
    backwards = dict(data, opens_on=(today + timedelta(days=50)).isoformat())
    assert "on or after the day they open" in client.post("/exams/sittings/new", data=backwards).data.decode()
    row = db.session.scalar(select(ExamSitting))
    response = client.post(f"/exams/sittings/{row.id}/edit", data=dict(data, part="SOE"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ExamSitting, row.id).part == "SOE"


@pytest.mark.parametrize("factory", [TraineeFactory, DirectorFactory, SupervisorFactory])
def test_only_admins_manage_sittings(client, login, factory):
    login(factory())
    assert client.get("/exams/sittings").status_code == 403
    assert client.post("/exams/sittings/new", data={}).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    for url in ("/exams/", "/exams/pipeline", "/exams/sittings", "/exams/attempts/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_supervisor_views_an_assigned_trainee_but_not_others(client, login):
    supervisor, trainee, stranger = SupervisorFactory(), TraineeFactory(), TraineeFactory()
    assign(supervisor, trainee)
    login(supervisor)
    page = client.get(f"/exams/?trainee={trainee.id}").data.decode()
    assert "Exam readiness" in page and "Record an attempt" not in page
    assert client.get(f"/exams/?trainee={stranger.id}").status_code == 403
    assert client.get(f"/exams/attempts/new?trainee={trainee.id}").status_code == 403
    assert "Choose a trainee" in client.get("/exams/").data.decode()


def test_pipeline_shows_eligible_expiring_and_late_attempts_for_the_directors_region_only(client, login, app):
    region, elsewhere = RegionFactory(), RegionFactory()
    director = DirectorFactory()
    direct(director, region=region)
    ready, expiring, fifth, sixth = (
        TraineeFactory(name=n, profile__region=region) for n in ("Dr Ready", "Dr Expiring", "Dr Fifth", "Dr Sixth")
    )
    outsider = TraineeFactory(name="Dr Outsider", profile__region=elsewhere)
    ExamSittingFactory(days_from_today=40, window=(-10, 10))
    soe = ExamSittingFactory(part="SOE", days_from_today=80, window=(-5, 30))
    old_mcq = ExamSittingFactory(days_from_today=-(3 * 365) + 60)
    recent_mcq = ExamSittingFactory(days_from_today=-300)
    ExamAttemptFactory(trainee=expiring, sitting=old_mcq, result="pass")
    ExamAttemptFactory(trainee=ready, sitting=recent_mcq, result="pass")
    RapmConfirmationFactory(trainee=ready, director=director, advanced_training_started_on=clock.days_ago(200))
    ExamPrerequisiteFactory(trainee=ready)
    fails = [ExamSittingFactory(days_from_today=-2000 + 150 * n) for n in range(5)]
    for row in fails[:4]:
        ExamAttemptFactory(trainee=fifth, sitting=row, result="fail")
        ExamAttemptFactory(trainee=outsider, sitting=row, result="fail")
    for row in fails:
        ExamAttemptFactory(trainee=sixth, sitting=row, result="fail")
    login(director)
    statements = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    db.session.expire_all()  # the test shares the request's session: start both counts from the same cold state
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = client.get("/exams/pipeline").data.decode()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert "Dr Outsider" not in page
    eligible = page.split("Eligible for an upcoming sitting")[1].split("MCQ pass expiring")[0]
    assert "Dr Ready" in eligible and f"SOE on {soe.sits_on.day} {soe.sits_on:%b %Y}" in eligible
    expiring_part = page.split("MCQ pass expiring")[1].split("On their last attempts")[0]
    assert "Dr Expiring" in expiring_part and "Dr Ready" not in expiring_part
    late = page.split("On their last attempts: attempt 5 or 6 of 6")[1].split("Everyone")[0]
    assert "Dr Fifth" in late and "number 5" in late and "Dr Sixth" in late and "number 6" in late
    # The trainees' summary rows, not the records behind them, and never a query per trainee: no attempt,
    # confirmation, statement or training period is read, and adding trainees adds no statement.
    records = re.compile(r"\b(FROM|JOIN) (exam_attempt|rapm_confirmation|exam_prerequisite|training_period)\b")
    assert [q for q in statements if records.search(q)] == []
    baseline = len(statements)
    for _ in range(5):
        t = TraineeFactory(profile__region=region)
        ExamAttemptFactory(trainee=t, sitting=recent_mcq, result="fail")
    statements.clear()
    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/exams/pipeline")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == baseline


def test_trainees_and_supervisors_cannot_see_the_pipeline(client, login):
    login(TraineeFactory())
    assert client.get("/exams/pipeline").status_code == 403


def test_fellowship_summary_partial_renders_for_a_profile(app, client, login):
    from flask import render_template_string

    from trainee_portal.exams.queries import fellowship_summary

    trainee = TraineeFactory()
    login(trainee)
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(trainee)
        html = render_template_string(
            '{% include "exams/_fellowship_summary.html" %}', fellowship=fellowship_summary(trainee.trainee_profile)
        )
    assert "Projected Fellowship date" in html and "How the date is worked out" in html
    assert "Unconfirmed" in html and "Exam readiness and Fellowship details" in html


def test_pipeline_lists_are_paged_fifty_at_a_time(client, login):
    region = RegionFactory()
    director = DirectorFactory()
    direct(director, region=region)
    for n in range(120):
        TraineeFactory(name=f"Dr Paged {n:03d}", profile__region=region)
    login(director)
    first = client.get("/exams/pipeline").data.decode()
    everyone = first.split('id="everyone"')[1]
    assert "FFPMRCA progress of the trainees you oversee (120)" in first
    assert "Dr Paged 000" in everyone and "Dr Paged 049" in everyone and "Dr Paged 050" not in everyone
    assert "Page 1 of 3" in everyone and "everyone_page=2" in everyone
    third = client.get("/exams/pipeline?everyone_page=3").data.decode().split('id="everyone"')[1]
    assert "Dr Paged 119" in third and "Dr Paged 049" not in third and "Page 3 of 3" in third
    assert "Page 3 of 3" in client.get("/exams/pipeline?everyone_page=99").data.decode()
    assert client.get("/exams/pipeline?everyone_page=abc&late_page=-1").status_code == 200


def test_the_everyone_rows_kept_between_requests_follow_the_data(client, login):
    """Each row of the "Everyone" table is drawn once and kept under the row itself: a kept row is used only while
    everything it shows is the same, and the page equals one drawn with nothing kept."""
    from tests.support.markup import without_countdown
    from trainee_portal.exams import routes

    region = RegionFactory()
    director = DirectorFactory()
    direct(director, region=region)
    trainee = TraineeFactory(name="Dr Kept Row", profile__region=region)
    sitting = ExamSittingFactory(days_from_today=-300)
    login(director)

    def everyone() -> str:
        return client.get("/exams/pipeline").data.decode().split('id="everyone"')[1]

    assert "0 attempts" in everyone()
    ExamAttemptFactory(trainee=trainee, sitting=sitting, result="pass")
    db.session.commit()
    kept = everyone()
    assert "1 attempt;" in kept and "Pass" in kept
    routes.EVERYONE_ROWS.clear()
    assert without_countdown(everyone()) == without_countdown(kept)


def test_every_cell_of_the_everyone_table_carries_its_heading_once_drawn_or_kept(client, login):
    """The rows are stacked as they are drawn and kept so, and the table is drawn `stacked`: on a phone each cell still
    shows its column's heading, exactly once, whether the row was drawn now or kept from an earlier request."""
    import re

    from trainee_portal.exams import routes

    region = RegionFactory()
    director = DirectorFactory()
    direct(director, region=region)
    TraineeFactory(name="Dr Stacked Row", profile__region=region)
    login(director)
    routes.EVERYONE_ROWS.clear()
    for _ in range(2):  # drawn, then kept
        everyone = client.get("/exams/pipeline").data.decode().split('id="everyone"')[1].split("</table>")[0]
        body = everyone.split("<tbody")[1]
        cells = re.findall(r"<td\b[^>]*>(.*?)</td>", body, re.DOTALL)
        assert len(cells) == len(routes.EVERYONE_HEADERS)
        for heading, cell in zip(routes.EVERYONE_HEADERS, cells):
            assert cell.count("nhsuk-table-responsive__heading") == 1
            assert f'aria-hidden="true">{heading} </span><div class="app-cell-value">' in cell
