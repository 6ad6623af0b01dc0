"""A trainee records an MCQ fail then a pass, the SOE opens only after the director records the Regional
Advisor's confirmation, and Fellowship items tick off; bad inputs are refused with a 400 and clear messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import DirectorFactory, ExamAttemptFactory, ExamSittingFactory, RegionFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, ExamAttempt, MockExamScore, RapmConfirmation


def _setup():
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    return trainee, director


def test_trainee_records_fail_then_pass_and_soe_opens_after_rapm_confirmation(client, login):
    trainee, director = _setup()
    first, second = ExamSittingFactory(days_from_today=-400), ExamSittingFactory(days_from_today=-200)
    upcoming = ExamSittingFactory(part="SOE", days_from_today=60, window=(-5, 20))
    login(trainee)
    page = client.get("/exams/").data.decode()
    assert "Exam readiness" in page and "No attempts recorded yet" in page

    response = client.post("/exams/attempts/new", data={"sitting_id": first.id, "result": "fail", "score": "48"})
    assert response.status_code == 302
    response = client.post(
        "/exams/attempts/new", data={"sitting_id": second.id, "result": "pass", "score": "71.5"}, follow_redirects=True
    )
    page = response.data.decode()
    assert "MCQ pass at the sitting of" in page
    assert "Not eligible" in page and "No confirmation recorded yet" in page
    assert "Source:" in page and "EH-ELIG" in page
    assert "Passed the FFPMRCA MCQ" in page and "Done" in page

    client.post("/logout")
    login(director)
    started = clock.today() - timedelta(days=200)
    response = client.post(
        f"/exams/rapm/{trainee.id}",
        data={
            "confirmed_on": clock.today().isoformat(),
            "stage3_pain_complete": "y",
            "advanced_training_started_on": started.isoformat(),
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    login(trainee)
    page = client.get("/exams/").data.decode()
    assert "There is no upcoming sitting you can apply for yet" in page and "No GMC registration recorded" in page
    deadline = upcoming.closes_on - timedelta(weeks=6)
    assert "Apply for FPM membership by" in page and f"{deadline.day} {deadline:%B %Y} for the SOE" in page
    response = client.post(
        f"/exams/prerequisites/{trainee.id}",
        data={
            "gmc_registered_on": "2015-08-05",
            "fpm_status": "member",
            "fpm_applied_on": "2024-01-10",
            "fpm_member_since": "2024-02-01",
            "good_standing": "y",
        },
    )
    assert response.status_code == 302
    page = client.get("/exams/").data.decode()
    assert f"apply for the SOE on {upcoming.sits_on.day} {upcoming.sits_on:%B %Y}" in page
    assert "Applications are open now" in page
    actions = set(db.session.scalars(select(AuditRecord.action)))
    assert {"exam.attempt_recorded", "exam.rapm_confirmed"} <= actions


def test_bad_attempt_inputs_are_refused_with_reasons(client, login):
    trainee, _ = _setup()
    past, future = (ExamSittingFactory(days_from_today=-100), ExamSittingFactory(days_from_today=30, window=(-30, 10)))
    login(trainee)
    response = client.post("/exams/attempts/new", data={"sitting_id": past.id, "result": "pass", "score": "150"})
    assert response.status_code == 400 and "0 to 100" in response.data.decode()
    response = client.post("/exams/attempts/new", data={"sitting_id": past.id, "result": "pass", "score": "abc"})
    assert response.status_code == 400 and "as a number" in response.data.decode()
    response = client.post("/exams/attempts/new", data={"sitting_id": future.id, "result": "pass"})
    assert response.status_code == 400 and "Choose one of the listed sittings" in response.data.decode()
    assert client.post("/exams/attempts/new", data={"sitting_id": past.id, "result": "fail"}).status_code == 302
    response = client.post("/exams/attempts/new", data={"sitting_id": past.id, "result": "pass"})
    assert response.status_code == 400 and "a result is already recorded for this sitting" in response.data.decode()
    assert db.session.scalar(select(ExamAttempt.result)) == "fail"


def test_soe_result_without_an_mcq_pass_is_refused(client, login):
    trainee, _ = _setup()
    soe = ExamSittingFactory(part="SOE", days_from_today=-50)
    login(trainee)
    response = client.post("/exams/attempts/new", data={"sitting_id": soe.id, "result": "pass"})
    assert response.status_code == 400 and "needs an MCQ pass before it (MCQ before SOE) [EH-ELIG]" in response.data.decode()


def test_sixth_attempt_needs_the_extra_training_note(client, login):
    trainee, _ = _setup()
    for n in range(5):
        ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-1000 + n * 150), result="fail")
    sixth = ExamSittingFactory(days_from_today=-100)
    login(trainee)
    response = client.post("/exams/attempts/new", data={"sitting_id": sixth.id, "result": "fail"})
    assert response.status_code == 400 and "additional educational training" in response.data.decode()
    response = client.post(
        "/exams/attempts/new",
        data={"sitting_id": sixth.id, "result": "fail", "extra_training_note": "Regional MCQ course, six sessions."},
    )
    assert response.status_code == 302
    seventh = ExamSittingFactory(days_from_today=-10)
    response = client.post(
        "/exams/attempts/new", data={"sitting_id": seventh.id, "result": "pass", "extra_training_note": "More study."}
    )
    assert response.status_code == 400 and "would be attempt 7 (at most 6 attempts per part) [EH-ELIG]" in response.data.decode()


def test_free_text_with_a_patient_identifier_is_refused(client, login):
    trainee, _ = _setup()
    login(trainee)
    response = client.post(
        "/exams/mock-scores/new",
        data={"part": "MCQ", "taken_on": clock.today().isoformat(), "title": "Mock for NHS 943 476 5919", "score_percent": "60"},
    )
    assert response.status_code == 400 and "NHS number" in response.data.decode()


def test_mock_scores_refuse_future_dates_and_out_of_range_scores_and_keep_input(client, login):
    trainee, _ = _setup()
    login(trainee)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = client.post(
        "/exams/mock-scores/new", data={"part": "MCQ", "taken_on": tomorrow, "title": "Question bank", "score_percent": "101"}
    )
    page = response.data.decode()
    assert response.status_code == 400 and "cannot be in the future" in page and "0 to 100" in page
    assert 'value="Question bank"' in page
    response = client.post(
        "/exams/mock-scores/new",
        data={"part": "MCQ", "taken_on": clock.today().isoformat(), "title": "Question bank", "score_percent": "64"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(MockExamScore.score_percent)) == 64


def test_director_corrects_an_attempt_with_a_reason_and_trainee_cannot(client, login):
    trainee, director = _setup()
    row = ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-100), result="fail", score=40)
    login(trainee)
    assert client.get(f"/exams/attempts/{row.id}/correct").status_code == 403
    client.post("/logout")
    login(director)
    response = client.post(f"/exams/attempts/{row.id}/correct", data={"result": "pass", "score": "62"})
    assert response.status_code == 400 and "Say why" in response.data.decode()
    response = client.post(
        f"/exams/attempts/{row.id}/correct", data={"result": "pass", "score": "62", "reason": "Result letter shows a pass"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    corrected = db.session.get(ExamAttempt, row.id)
    assert (corrected.result, corrected.score, corrected.corrected_by_id) == ("pass", 62, director.id)


def test_rapm_confirmation_is_for_directors_in_scope_and_validated(client, login):
    trainee, director = _setup()
    other_director = DirectorFactory()
    login(other_director)
    assert client.get(f"/exams/rapm/{trainee.id}").status_code == 403
    client.post("/logout")
    login(trainee)
    assert client.get(f"/exams/rapm/{trainee.id}").status_code == 403
    client.post("/logout")
    login(director)
    response = client.post(
        f"/exams/rapm/{trainee.id}",
        data={
            "confirmed_on": (clock.today() + timedelta(days=3)).isoformat(),
            "advanced_training_started_on": clock.today().isoformat(),
        },
    )
    page = response.data.decode()
    assert response.status_code == 400 and "cannot be in the future" in page and "Tick to confirm" in page
    assert db.session.scalar(select(RapmConfirmation.id)) is None
