"""The exam record refuses what the rules forbid (as the trainee records and as a director corrects), with the rule
and its source, never a 500; GMC registration and FPM membership are recorded, confirmed in scope and shown with
the membership deadline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import (
    DirectorFactory,
    ExamAttemptFactory,
    ExamPrerequisiteFactory,
    ExamSittingFactory,
    RapmConfirmationFactory,
    RegionFactory,
    TraineeFactory,
    direct,
)
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, ExamAttempt, ExamPrerequisite


def _setup():
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    return trainee, director


def test_soe_after_the_mcq_pass_expired_is_refused_for_the_trainee_and_the_director(client, login):
    trainee, director = _setup()
    ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-(4 * 365)), result="pass")
    RapmConfirmationFactory(trainee=trainee, director=director, confirmed_on=clock.days_ago(300))
    soe = ExamSittingFactory(part="SOE", days_from_today=-20)
    login(trainee)
    response = client.post("/exams/attempts/new", data={"sitting_id": soe.id, "result": "pass", "score": "70"})
    page = response.data.decode()
    assert response.status_code == 400
    assert "Refused: the SOE needs an MCQ pass valid on the sitting date" in page and "(MCQ pass valid 3 years) [EH-ELIG]" in page
    assert 'value="70"' in page  # the form keeps what was typed
    client.post("/logout")
    login(director)
    response = client.post(f"/exams/attempts/new?trainee={trainee.id}", data={"sitting_id": soe.id, "result": "pass"})
    assert response.status_code == 400 and "(MCQ pass valid 3 years) [EH-ELIG]" in response.data.decode()
    assert db.session.scalar(select(ExamAttempt.id).where(ExamAttempt.sitting_id == soe.id)) is None


def test_soe_without_the_rapm_confirmation_before_the_sitting_is_refused(client, login):
    trainee, director = _setup()
    ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-300), result="pass")
    soe = ExamSittingFactory(part="SOE", days_from_today=-20)
    login(director)
    response = client.post(f"/exams/attempts/new?trainee={trainee.id}", data={"sitting_id": soe.id, "result": "fail"})
    assert response.status_code == 400 and "no Regional Advisor (RAPM) confirmation" in response.data.decode()
    started = clock.days_ago(400)
    RapmConfirmationFactory(
        trainee=trainee, director=director, confirmed_on=clock.days_ago(5), advanced_training_started_on=started
    )
    response = client.post(f"/exams/attempts/new?trainee={trainee.id}", data={"sitting_id": soe.id, "result": "fail"})
    assert response.status_code == 400 and "came after the SOE" in response.data.decode()
    RapmConfirmationFactory(
        trainee=trainee, director=director, confirmed_on=clock.days_ago(30), advanced_training_started_on=started
    )
    response = client.post(f"/exams/attempts/new?trainee={trainee.id}", data={"sitting_id": soe.id, "result": "fail"})
    assert response.status_code == 302


def test_a_correction_that_would_make_a_later_result_forbidden_is_refused(client, login):
    trainee, director = _setup()
    first = ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-400), result="fail")
    later = ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-200), result="fail")
    login(director)
    response = client.post(
        f"/exams/attempts/{first.id}/correct", data={"result": "pass", "reason": "Letter says pass", "score": "66"}
    )
    page = response.data.decode()
    assert response.status_code == 400 and "no results after a pass" in page
    day = later.sitting.sits_on
    assert f"later MCQ result of {day.day} {day:%B %Y} wrong" in page
    db.session.expire_all()
    assert db.session.get(ExamAttempt, first.id).result == "fail"


def test_prerequisites_recorded_by_the_trainee_confirmed_by_the_director_and_audited(client, login):
    trainee, director = _setup()
    mcq = ExamSittingFactory(days_from_today=100, window=(-5, 50))
    login(trainee)
    response = client.post(f"/exams/prerequisites/{trainee.id}", data={"fpm_status": "applied"})
    assert response.status_code == 400 and "Enter the date you applied" in response.data.decode()
    applied = clock.today() - timedelta(days=3)
    response = client.post(
        f"/exams/prerequisites/{trainee.id}",
        data={"gmc_registered_on": "2016-08-03", "fpm_status": "applied", "fpm_applied_on": applied.isoformat(), "confirm": "y"},
    )
    assert response.status_code == 302
    row = db.session.scalar(select(ExamPrerequisite))
    assert row.confirmed_on is None  # a trainee cannot confirm their own record
    page = client.get("/exams/").data.decode()
    deadline = mcq.closes_on - timedelta(weeks=6)
    assert f"{deadline.day} {deadline:%B %Y} for the MCQ" in page and "Since 3 August 2016" in page
    assert f"Applied on {applied.day} {applied:%B %Y}" in page and "not yet confirmed" in page
    assert "A member of the FPM in good standing" in page and "Not eligible" in page
    assert "Confirm GMC registration and FPM membership" not in page
    client.post("/logout")
    login(director)
    assert "Confirm GMC registration and FPM membership" in client.get(f"/exams/?trainee={trainee.id}").data.decode()
    assert client.post(f"/exams/prerequisites/{trainee.id}/confirm", data={"record_id": row.id}).status_code == 302
    page = client.get(f"/exams/?trainee={trainee.id}").data.decode()
    assert f"confirmed by {director.name}" in page
    actions = list(db.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("exam.prerequisites%"))))
    assert actions == ["exam.prerequisites_recorded", "exam.prerequisites_confirmed"]


def test_a_member_in_good_standing_is_eligible_for_the_mcq(client, login):
    trainee, _ = _setup()
    mcq = ExamSittingFactory(days_from_today=100, window=(-5, 50))
    ExamPrerequisiteFactory(trainee=trainee)
    login(trainee)
    page = client.get("/exams/").data.decode()
    assert f"apply for the MCQ on {mcq.sits_on.day} {mcq.sits_on:%B %Y}" in page


def test_another_trainees_prerequisites_are_refused(client, login):
    trainee, director = _setup()
    other = TraineeFactory()
    ExamPrerequisiteFactory(trainee=other)
    outsider = DirectorFactory()
    direct(outsider, region=RegionFactory())
    data = {"gmc_registered_on": "2016-08-03", "fpm_status": "none"}
    for user in (trainee, outsider):
        login(user)
        assert client.get(f"/exams/prerequisites/{other.id}").status_code == 403
        assert client.post(f"/exams/prerequisites/{other.id}", data=data).status_code == 403
        assert client.post(f"/exams/prerequisites/{other.id}/confirm").status_code == 403
        client.post("/logout")
    login(trainee)
    assert client.post(f"/exams/prerequisites/{trainee.id}/confirm").status_code == 403
    assert db.session.scalar(select(ExamPrerequisite.confirmed_on).where(ExamPrerequisite.trainee_id == other.id)) is None
    assert db.session.scalar(select(ExamPrerequisite.id).where(ExamPrerequisite.trainee_id == trainee.id)) is None
    client.post("/logout")
    login(director)
    assert client.post(f"/exams/prerequisites/{trainee.id}/confirm").status_code == 400  # nothing recorded to confirm


def test_forged_fpm_status_is_refused_on_the_form(client, login):
    trainee, _ = _setup()
    login(trainee)
    response = client.post(f"/exams/prerequisites/{trainee.id}", data={"fpm_status": "honorary"})
    assert response.status_code == 400 and "Not a valid choice" in response.data.decode()
    assert db.session.scalar(select(ExamPrerequisite.id)) is None


def test_readiness_says_plainly_when_the_route_is_closed_and_projects_no_date(client, login):
    trainee, _ = _setup()
    for n in range(6):
        ExamAttemptFactory(
            trainee=trainee,
            sitting=ExamSittingFactory(days_from_today=-1200 + n * 150),
            result="fail",
            extra_training_note="Course",
        )
    login(trainee)
    page = client.get("/exams/").data.decode()
    assert "the route to the Fellowship through the examination is closed" in page and "No Fellowship date is projected" in page
    assert "Projected Fellowship date" not in page


def test_readiness_says_an_expired_mcq_pass_must_be_retaken_first(client, login):
    trainee, _ = _setup()
    ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-(3 * 365 + 30)), result="pass")
    login(trainee)
    page = client.get("/exams/").data.decode()
    assert "a retake of the MCQ comes first" in page and "Projected Fellowship date" in page
