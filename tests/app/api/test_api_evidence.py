"""Evidence over the API: reading an entry and a trainee's logbook (filters, cursor pages), recording and changing
entries with the evidence form's own checks, the ETag guard, and asking a supervisor for sign-off; each refusal
answered as the pages answer it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from tests.factories import (
    AdminFactory,
    DirectorFactory,
    EvidenceFactory,
    RegionFactory,
    SignOffRequestFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from tests.support.api import assert_problem, bearer
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, SignOffRequest

WRITE = ("read", "evidence:write")


def _body(**changes) -> dict:
    return {
        "evidence_type": "logbook.clinic",
        "occurred_on": clock.days_ago(3).isoformat(),
        "title": "Complex pain clinic",
        "setting": "outpatient",
        "supervision_level": "2b",
        "competencies": ["S3_PM_01"],
        "notes": "Saw new referrals with the consultant.",
        **changes,
    }


def _audit(action: str) -> list[AuditRecord]:
    return db.session.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).all()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- reading one entry ---------------------------------------------------------------------------------------------


def test_an_entry_reads_with_its_competencies_state_and_an_etag_that_follows_its_row_version(client):
    trainee = TraineeFactory()
    supervisor = SupervisorFactory(name="Dr Sign Here")
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee, status="submitted", codes=("S3_PM_01", "S3_PM_02"), title="Clinic")
    request = SignOffRequestFactory(evidence=entry, supervisor=supervisor)
    headers = bearer(trainee)

    response = client.get(f"/api/v1/evidence/{entry.id}", headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["id"] == entry.id and body["title"] == "Clinic" and body["status"] == "submitted"
    assert body["competencies"] == ["S3_PM_01", "S3_PM_02"]
    assert body["version"] == 1 and body["row_version"] == entry.row_version and body["current"] is True
    assert body["content_hash"] == entry.content_hash
    assert body["signoff"]["pending_request"]["id"] == request.id
    assert body["signoff"]["pending_request"]["supervisor"] == {"id": supervisor.id, "name": "Dr Sign Here"}
    assert body["links"] == {"self": f"/api/v1/evidence/{entry.id}", "page": f"/logbook/{entry.id}"}
    etag = response.headers["ETag"]

    again = client.get(f"/api/v1/evidence/{entry.id}", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304

    entry.row_version += 1  # any write of the entry moves it on
    db.session.commit()
    changed = client.get(f"/api/v1/evidence/{entry.id}", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


CALLERS = ("trainee", "own_supervisor", "director", "admin", "other_trainee", "other_supervisor", "other_director")


def _people() -> dict:
    trainee, other = TraineeFactory(), TraineeFactory(profile__region=RegionFactory(name="Elsewhere"))
    people = {
        "trainee": trainee,
        "other_trainee": other,
        "own_supervisor": SupervisorFactory(),
        "other_supervisor": SupervisorFactory(),
        "director": DirectorFactory(),
        "other_director": DirectorFactory(),
        "admin": AdminFactory(),
    }
    assign(people["own_supervisor"], trainee)
    assign(people["other_supervisor"], other)
    direct(people["director"], region=trainee.trainee_profile.region)
    direct(people["other_director"], region=other.trainee_profile.region)
    return people


def _page_status(app, user, path: str) -> int:
    browser = app.test_client()
    assert browser.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    return browser.get(path).status_code


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("trainee", 200),
        ("own_supervisor", 200),
        ("director", 200),
        ("admin", 200),
        ("other_trainee", 403),
        ("other_supervisor", 403),
        ("other_director", 403),
    ],
)
def test_an_entry_and_a_logbook_are_read_by_whom_the_pages_show_them_to(app, client, caller, status):
    people = _people()
    trainee = people["trainee"]
    entry = EvidenceFactory(trainee=trainee, title="Private clinic")
    headers = bearer(people[caller])

    one = client.get(f"/api/v1/evidence/{entry.id}", headers=headers)
    listed = client.get(f"/api/v1/trainees/{trainee.id}/evidence", headers=headers)

    assert _page_status(app, people[caller], f"/logbook/{entry.id}") == status
    assert _page_status(app, people[caller], f"/logbook/?trainee={trainee.id}") == status
    for response in (one, listed):
        if status == 200:
            assert response.status_code == 200, response.get_data(as_text=True)
            assert "Private clinic" in response.get_data(as_text=True)
        else:
            assert_problem(response, status)
            assert "Private clinic" not in response.get_data(as_text=True)


def test_a_trainee_the_caller_may_not_see_is_403_whether_or_not_they_exist_as_on_the_page(app, client):
    trainee = TraineeFactory()
    headers = bearer(trainee)
    assert _page_status(app, trainee, "/logbook/?trainee=999999") == 403
    assert_problem(client.get("/api/v1/trainees/999999/evidence", headers=headers), 403)
    admin = AdminFactory()
    assert _page_status(app, admin, "/logbook/?trainee=999999") == 404
    assert_problem(client.get("/api/v1/trainees/999999/evidence", headers=bearer(admin)), 404)


def test_a_missing_entry_is_a_404_problem_and_a_huge_id_too(client):
    headers = bearer(TraineeFactory())
    assert_problem(client.get("/api/v1/evidence/999999", headers=headers), 404)
    assert_problem(client.get(f"/api/v1/evidence/{2**31}", headers=headers), 404)
    assert_problem(client.get("/api/v1/evidence/12abc", headers=headers), 404)
