"""GET /api/v1/trainees/{trainee_id}/progress and …/exam-readiness: the same numbers and words as the stage, home and
exam pages for the same data, the policy's answer for every kind of caller, the scope, ETags, and a statement count
that does not grow with the trainee's evidence."""

from __future__ import annotations

import re
from datetime import date

from tests.factories import (
    AdminFactory,
    CaseDiscussionFactory,
    DirectorFactory,
    DopsFactory,
    EvidenceFactory,
    ExamAttemptFactory,
    ExamSittingFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from tests.support.api import assert_problem, bearer
from tests.support.statements import statements_during
from trainee_portal.extensions import db
from trainee_portal.models import StageSignOff


def progress_url(trainee_id: int) -> str:
    return f"/api/v1/trainees/{trainee_id}/progress"


def exams_url(trainee_id: int) -> str:
    return f"/api/v1/trainees/{trainee_id}/exam-readiness"


def _text(response) -> str:
    """The page's words with the markup taken out and the spaces run together."""
    words = " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())
    return words.replace(" ,", ",").replace(" .", ".")


def _trainee_with_evidence():
    trainee = TraineeFactory(name="Dr Petra Progress")
    for _ in range(3):
        CaseDiscussionFactory(trainee=trainee, codes=("S3_PM_02",))  # signed: S3_PM_02's one required CBD in place
    DopsFactory(trainee=trainee, status="signed", supervision_level="3")
    EvidenceFactory(trainee=trainee)  # a draft: in progress, not in place
    return trainee


def test_progress_has_the_stage_pages_numbers_and_words(client, login):
    trainee = _trainee_with_evidence()
    body = client.get(progress_url(trainee.id), headers=bearer(trainee)).get_json()
    assert body["trainee_id"] == trainee.id and body["curriculum_version"] == "2021"
    assert body["current_stage"] == "higher"
    assert [s["level"] for s in body["stages"]] == ["basic", "intermediate", "higher", "advanced"]
    current = [s for s in body["stages"] if s["current"]]
    assert len(current) == 1 and current[0]["level"] == "higher"

    login(trainee)
    for stage in body["stages"]:
        page = _text(client.get(f"/{stage['level']}/"))
        if stage["name"] not in page:
            continue  # the advanced slot offers an SIA to choose: its page shows each SIA
        noun = "competency" if stage["competencies_total"] == 1 else "competencies"
        assert (
            f"{stage['competencies_complete']} of {stage['competencies_total']} {noun} complete, "
            f"{stage['competencies_in_progress']} in progress, {stage['competencies_not_started']} not started."
        ) in page, stage
        items = "item" if stage["required_items"] == 1 else "items"
        assert f"Evidence: {stage['items_in_place']} of {stage['required_items']} required {items} in place" in page
        assert stage["summary"] in page  # the API's sentence is the page's
    higher = current[0]
    assert higher["competencies_complete"] + higher["competencies_in_progress"] > 0  # the evidence counted
    assert higher["items_in_place"] > 0

    home = _text(client.get("/"))
    assert f"{higher['competencies_complete']} of {higher['competencies_total']} competencies complete" in home
    assert f"Evidence: {higher['items_in_place']} of {higher['required_items']} required items in place" in home


def test_a_stage_signed_off_says_by_whom_and_when(client):
    trainee = TraineeFactory(profile__curriculum_version="2010", profile__current_stage="intermediate")
    supervisor = SupervisorFactory(name="Dr Stella Signer")
    assign(supervisor, trainee)
    from trainee_portal import curricula

    stage = curricula.curriculum("2010").stage_for_level("basic")
    db.session.add(
        StageSignOff(
            trainee_id=trainee.id,
            curriculum_version="2010",
            stage_key=stage.key,
            stage_level="basic",
            signed_by_id=supervisor.id,
            signed_on=clock.days_ago(2),
        )
    )
    db.session.commit()
    from trainee_portal.summaries import progress

    progress.refresh_trainee(trainee.id)
    db.session.commit()
    body = client.get(progress_url(trainee.id), headers=bearer(supervisor)).get_json()
    basic = next(s for s in body["stages"] if s["level"] == "basic")
    assert basic["signed_off"] == {"signed_on": clock.days_ago(2).isoformat(), "signed_by": "Dr Stella Signer"}
    assert basic["closed"] is True
    assert all(s["signed_off"] is None for s in body["stages"] if s["level"] != "basic")


def test_who_may_read_a_trainees_progress_and_exam_readiness(client):
    region, elsewhere = RegionFactory(), RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    other = TraineeFactory(profile__region=elsewhere)
    supervisor, stranger = SupervisorFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    assign(stranger, other)
    director, far_director = DirectorFactory(), DirectorFactory()
    direct(director, region)
    direct(far_director, elsewhere)
    admin = AdminFactory()
    expected = {trainee: 200, other: 403, supervisor: 200, stranger: 403, director: 200, far_director: 403, admin: 200}
    for url in (progress_url(trainee.id), exams_url(trainee.id)):
        for caller, status in expected.items():
            response = client.get(url, headers=bearer(caller))
            if status == 200:
                assert response.status_code == 200, (url, caller.roles, response.get_data(as_text=True)[:300])
                assert response.get_json()["trainee_id"] == trainee.id
            else:
                body = assert_problem(response, status)
                assert str(trainee.id) not in body["detail"]


def test_an_unknown_trainee_is_refused_as_one_not_seen_and_not_found_for_an_administrator(client):
    director = DirectorFactory()
    direct(director, RegionFactory())
    for url in (progress_url(987654), exams_url(987654)):
        assert_problem(client.get(url, headers=bearer(director)), 403)
        assert_problem(client.get(url, headers=bearer(AdminFactory())), 404)
    supervisor = SupervisorFactory()  # a supervisor's own id is no trainee
    assert_problem(client.get(progress_url(supervisor.id), headers=bearer(AdminFactory())), 404)


def test_a_token_without_the_read_scope_is_refused_and_no_token_is_401(client):
    trainee = TraineeFactory()
    response = client.get(progress_url(trainee.id), headers=bearer(trainee, ("evidence:write",)))
    assert_problem(response, 403)
    assert 'scope="read"' in response.headers["WWW-Authenticate"]
    assert_problem(client.get(exams_url(trainee.id), headers=bearer(trainee, ("evidence:write",))), 403)
    assert_problem(client.get(progress_url(trainee.id)), 401)
    forged = {"Authorization": "Bearer " + "x" * 40}
    assert_problem(client.get(exams_url(trainee.id), headers=forged), 401)


def test_progress_etag_answers_304_until_the_evidence_changes(client):
    trainee = _trainee_with_evidence()
    headers = bearer(trainee)
    first = client.get(progress_url(trainee.id), headers=headers)
    etag = first.headers["ETag"]
    again = client.get(progress_url(trainee.id), headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    CaseDiscussionFactory(trainee=trainee, codes=("S3_PM_06",))  # S3_PM_06's one required CBD: now complete
    changed = client.get(progress_url(trainee.id), headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    exams = client.get(exams_url(trainee.id), headers=headers)
    assert client.get(exams_url(trainee.id), headers={**headers, "If-None-Match": exams.headers["ETag"]}).status_code == 304


def test_statements_do_not_grow_with_the_trainees_evidence(client):
    few, many = TraineeFactory(), TraineeFactory()
    CaseDiscussionFactory(trainee=few)
    for n in range(20):
        CaseDiscussionFactory(trainee=many, codes=(("S3_PM_01", "S3_PM_02", "S3_PM_03")[n % 3],))
        ExamAttemptFactory(trainee=many, sitting=ExamSittingFactory(days_from_today=-30 * (n + 2)), result="fail")
    ExamAttemptFactory(trainee=few, sitting=ExamSittingFactory(days_from_today=-60), result="fail")
    counts = {}
    for who in (few, many):
        headers = bearer(who)
        for url in (progress_url(who.id), exams_url(who.id)):

            def call(url=url, headers=headers):
                assert client.get(url, headers=headers).status_code == 200

            counts[(who.id == many.id, url.rsplit("/", 1)[1])] = len(statements_during(call))
    assert counts[(False, "progress")] == counts[(True, "progress")], counts
    assert counts[(False, "exam-readiness")] == counts[(True, "exam-readiness")], counts


def test_exam_readiness_has_the_exam_pages_attempts_and_next_sitting(client, login):
    trainee = TraineeFactory(name="Dr Edith Exam")
    ExamAttemptFactory(trainee=trainee, sitting=ExamSittingFactory(days_from_today=-200), result="fail")
    ExamSittingFactory(part="MCQ", days_from_today=80, window=(-5, 20))
    ExamSittingFactory(part="SOE", days_from_today=150, window=(60, 90))
    body = client.get(exams_url(trainee.id), headers=bearer(trainee)).get_json()
    assert body["mcq"] == {"attempts": 1, "passed_on": None, "status": "MCQ: 1 attempt"}
    assert body["soe"]["attempts"] == 0 and body["soe"]["status"] == "SOE: not yet sat"
    assert body["upcoming"], body
    page = _text(login(trainee).get("/exams/"))
    assert "MCQ: 1 attempt" in page
    for item in body["upcoming"]:
        sitting = item["sitting"]
        day = date.fromisoformat(sitting["sits_on"])
        heading = f"{sitting['part']} on {day.day} {day:%B %Y}"
        if not item["needed"]:
            assert f"{heading} Not needed" in page
            continue
        assert f"{heading} {'Eligible' if item['eligible'] else 'Not eligible'}" in page, heading
        for check in item["checks"]:
            assert check["reason"] in page
            for source in check["sources"]:
                assert source["key"] in page and source["citation"]
    nxt = body["next_sitting"]
    eligible = [i for i in body["upcoming"] if i["eligible"]]
    if eligible:
        assert nxt == eligible[0]
        day = date.fromisoformat(nxt["sitting"]["sits_on"])
        assert f"apply for the {nxt['sitting']['part']} on {day.day} {day:%B %Y}" in page
    else:
        assert nxt is None
    assert body["mcq_expires_on"] is None and body["rapm_confirmed_on"] is None
