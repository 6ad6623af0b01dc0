"""Evidence over the API: reading an entry and a trainee's logbook (filters, cursor pages), recording and changing
entries with the evidence form's own checks, the ETag guard, and asking a supervisor for sign-off; each refusal
answered as the pages answer it."""

from __future__ import annotations

import json
import re
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
from trainee_portal import policy
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


# --- the list: filters and cursor pages ----------------------------------------------------------------------------


def _walk(client, url: str, headers: dict, between=None) -> list[int]:
    """Every id over every page, following the Link header and checking it against next_cursor."""
    seen, pages = [], 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        link = response.headers.get("Link")
        if body["next_cursor"] is None:
            assert link is None
            url = None
        else:
            assert link.startswith("</api/v1/") and link.endswith('>; rel="next"'), link
            url = link[1 : link.index(">")]
            assert "cursor=" in url
            if between:
                between(pages)
    return seen


def test_pages_walk_every_current_entry_once_newest_first_and_stay_stable_when_entries_are_added(client):
    trainee = TraineeFactory()
    days = [1, 1, 1, 2, 3, 3, 7, 10, 10, 30, 31]
    entries = [EvidenceFactory(trainee=trainee, occurred_on=clock.days_ago(d), title=f"Entry {i}") for i, d in enumerate(days)]
    replaced = EvidenceFactory(trainee=trainee, status="signed", occurred_on=clock.days_ago(2))
    newer = EvidenceFactory(trainee=trainee, occurred_on=clock.days_ago(2), supersedes_id=replaced.id)
    replaced.superseded_at = clock.now()
    db.session.commit()
    headers = bearer(trainee)
    expected = sorted([*entries, newer], key=lambda e: (e.occurred_on, e.id), reverse=True)

    added = []

    def add(page: int) -> None:  # a newer and an older entry appear while the pages are walked
        added.append(EvidenceFactory(trainee=trainee, occurred_on=clock.days_ago(0), title=f"Added {page}"))

    seen = _walk(client, f"/api/v1/trainees/{trainee.id}/evidence?limit=3", headers, between=add)

    assert [i for i in seen if i not in {a.id for a in added}] == [e.id for e in expected]
    assert len(seen) == len(set(seen))
    assert replaced.id not in seen


def test_filters_are_the_logbook_pages(client):
    trainee = TraineeFactory()
    clinic = EvidenceFactory(trainee=trainee, title="Clinic about sciatica", occurred_on=clock.days_ago(20))
    signed = EvidenceFactory(trainee=trainee, status="signed", title="Signed clinic", occurred_on=clock.days_ago(10))
    cbd = EvidenceFactory(
        trainee=trainee, evidence_type="wba.cbd", title="CBD", codes=("S3_PM_02",), occurred_on=clock.days_ago(5)
    )
    basic = EvidenceFactory(trainee=trainee, stage_level="basic", title="Early", occurred_on=clock.days_ago(40))
    EvidenceFactory(title="Someone else's clinic about sciatica")
    headers = bearer(trainee)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/trainees/{trainee.id}/evidence?{query}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("") == [cbd.id, signed.id, clinic.id, basic.id]
    assert ids("kind=wba.cbd") == [cbd.id]
    assert ids("status=signed") == [signed.id]
    assert ids("stage=basic") == [basic.id]
    assert ids("competency=S3_PM_02") == [cbd.id]
    assert ids(f"from={clock.days_ago(15).isoformat()}") == [cbd.id, signed.id]
    assert ids(f"to={clock.days_ago(15).isoformat()}") == [clinic.id, basic.id]
    assert ids("q=SCIATICA") == [clinic.id]
    assert ids("q=%25") == []  # a wildcard is a character to find, not a pattern


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=abc", "kind=nothing", "status=lost", "stage=top", "from=yesterday", "to=2024-13-01"]
)
def test_bad_filters_are_a_422_problem_naming_the_parameter(client, query):
    trainee = TraineeFactory()
    response = client.get(f"/api/v1/trainees/{trainee.id}/evidence?{query}", headers=bearer(trainee))
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == [query.split("=")[0]]
    assert {e["location"] for e in body["errors"]} == {"query"}


def test_a_cursor_off_its_pattern_is_a_422_problem(client):
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee)
    for cursor in ("garbage", "", "x" * 300, "0.738000", "1.", "1.12345678", "-1.738000", "1.738000' OR 1=1 --"):
        response = client.get(f"/api/v1/trainees/{trainee.id}/evidence", query_string={"cursor": cursor}, headers=bearer(trainee))
        body = assert_problem(response, 422)
        assert [e["field"] for e in body["errors"]] == ["cursor"]


def test_any_cursor_of_the_pattern_is_a_place_in_the_callers_own_logbook(client):
    """A cursor needs no signature: another trainee's cursor, or a made-up one, only says where the page starts in the
    logbook the caller may read (who may read it is asked again on every page)."""
    trainee, other = TraineeFactory(), TraineeFactory()
    mine = [EvidenceFactory(trainee=trainee, occurred_on=clock.days_ago(days)) for days in (1, 2, 3)]
    theirs = [EvidenceFactory(trainee=other, occurred_on=clock.days_ago(days)) for days in (1, 2, 3)]
    headers = bearer(trainee)
    borrowed = client.get(f"/api/v1/trainees/{other.id}/evidence?limit=1", headers=bearer(other)).get_json()
    assert borrowed["next_cursor"]
    url = f"/api/v1/trainees/{trainee.id}/evidence"
    page = client.get(url, query_string={"cursor": borrowed["next_cursor"]}, headers=headers)
    assert page.status_code == 200
    ids = {item["id"] for item in page.get_json()["items"]}
    assert ids and ids <= {e.id for e in mine} and not ids & {e.id for e in theirs}
    for made_up, expected in (("999999999.0", set()), ("1.9999999", {e.id for e in mine}), ("5.1", set())):
        response = client.get(url, query_string={"cursor": made_up}, headers=headers)
        assert response.status_code == 200, made_up
        assert {item["id"] for item in response.get_json()["items"]} == expected, made_up
    refused = client.get(f"/api/v1/trainees/{other.id}/evidence", query_string={"cursor": "1.1"}, headers=headers)
    assert_problem(refused, 403)


def test_an_unchanged_page_answers_304_to_its_etag(client):
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee)
    headers = bearer(trainee)
    url = f"/api/v1/trainees/{trainee.id}/evidence"
    etag = client.get(url, headers=headers).headers["ETag"]
    assert client.get(url, headers={**headers, "If-None-Match": etag}).status_code == 304
    EvidenceFactory(trainee=trainee)
    assert client.get(url, headers={**headers, "If-None-Match": etag}).status_code == 200


# --- recording -----------------------------------------------------------------------------------------------------


def test_an_entry_recorded_over_the_api_is_a_draft_on_the_logbook_page_audited_as_the_form_does(client, login):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)

    response = client.post("/api/v1/evidence", json=_body(), headers=headers)

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    entry = db.session.get(EvidenceEntry, body["id"])
    assert response.headers["Location"] == f"/api/v1/evidence/{entry.id}"
    assert response.headers["ETag"] == client.get(response.headers["Location"], headers=headers).headers["ETag"]
    assert (entry.trainee_id, entry.status, entry.version, entry.title) == (trainee.id, "draft", 1, "Complex pain clinic")
    assert entry.competency_codes == ("S3_PM_01",) and entry.stage_level == "higher"
    assert body["content_hash"] == entry.content_hash == entry.compute_content_hash()
    [created] = _audit("evidence.created")
    assert (created.actor_id, created.trainee_id, created.subject_id) == (trainee.id, trainee.id, entry.id)
    assert json.loads(created.payload)["content_hash"] == entry.content_hash
    page = login(trainee).get("/logbook/")
    assert page.status_code == 200 and "Complex pain clinic" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notes": "Seen with NHS number 943 476 5919."}, "notes"),
        ({"title": "Mr John Smith, DOB 12/03/1950"}, "title"),
        ({"evidence_type": "reflection", "reflection": "Patient NHS 943 476 5919 said so."}, "reflection"),
        ({"occurred_on": (clock.today() + timedelta(days=1)).isoformat()}, "occurred_on"),
        ({"competencies": []}, "competencies"),
        ({"competencies": ["NOT_A_CODE"]}, "competencies"),
        ({"supervision_level": ""}, "supervision_level"),
        ({"evidence_type": "certificate"}, "attachment"),
        ({"title": "   "}, "title"),
    ],
)
def test_the_evidence_forms_checks_refuse_a_new_entry_with_a_422_naming_the_field(client, changes, field):
    trainee = TraineeFactory()
    response = client.post("/api/v1/evidence", json=_body(**changes), headers=bearer(trainee, WRITE))
    body = assert_problem(response, 422)
    assert field in {e["field"] for e in body["errors"]}, body
    assert _count(EvidenceEntry) == 0 and _audit("evidence.created") == []


@pytest.mark.parametrize(
    "body",
    [
        _body(trainee_id=1),
        _body(status="signed"),
        {k: v for k, v in _body().items() if k != "title"},
        _body(occurred_on="03/13/2024"),
        _body(competencies="S3_PM_01"),
        _body(evidence_type="logbook.unknown"),
        _body(title="x" * 201),
        ["not", "an", "object"],
    ],
)
def test_unknown_fields_wrong_types_and_missing_fields_are_a_422_problem(client, body):
    trainee = TraineeFactory()
    response = client.post("/api/v1/evidence", json=body, headers=bearer(trainee, WRITE))
    problem = assert_problem(response, 422)
    assert problem["errors"] and {e["location"] for e in problem["errors"]} == {"json"}
    assert _count(EvidenceEntry) == 0


def test_a_body_that_is_not_json_is_refused_without_a_500(client):
    trainee = TraineeFactory()
    headers = {**bearer(trainee, WRITE), "Content-Type": "application/json"}
    response = client.post("/api/v1/evidence", data="{not json", headers=headers)
    assert 400 <= response.status_code < 500 and response.mimetype == "application/problem+json"
    assert _count(EvidenceEntry) == 0


def test_a_kinds_details_it_does_not_record_are_ignored_as_on_the_form(client):
    trainee = TraineeFactory()
    body = _body(
        evidence_type="reflection", reflection="What I learned about opioid tapering.", technique="radiofrequency_denervation"
    )
    body.pop("supervision_level")
    response = client.post("/api/v1/evidence", json=body, headers=bearer(trainee, WRITE))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["technique"] is None


@pytest.mark.parametrize("scopes", [("read",), ("read", "signoff")])
def test_writing_without_the_evidence_write_scope_is_403_and_stores_nothing(client, scopes):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, tuple(s for s in scopes if s != "signoff"))
    etag = client.get(f"/api/v1/evidence/{entry.id}", headers=headers).headers["ETag"]
    calls = [
        client.post("/api/v1/evidence", json=_body(), headers=headers),
        client.patch(f"/api/v1/evidence/{entry.id}", json={"title": "New"}, headers={**headers, "If-Match": etag}),
        client.post(f"/api/v1/evidence/{entry.id}/signoff-requests", json={"supervisor_id": 1}, headers=headers),
    ]
    for response in calls:
        assert_problem(response, 403)
        assert "insufficient_scope" in response.headers["WWW-Authenticate"]
    assert _count(EvidenceEntry) == 1 and db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"


def test_only_a_trainee_records_evidence(client):
    supervisor = SupervisorFactory()
    response = client.post("/api/v1/evidence", json=_body(), headers=bearer(supervisor, ("read",)))
    assert_problem(response, 403)
    assert _count(EvidenceEntry) == 0


def test_a_browsers_session_does_not_record_evidence_even_with_its_csrf_token(client, login):
    trainee = TraineeFactory()
    browser = login(trainee)
    page = browser.get("/logbook/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = browser.post("/api/v1/evidence", json=_body(), headers={"X-CSRFToken": token})
    assert_problem(response, 401)
    assert _count(EvidenceEntry) == 0


# --- changing ------------------------------------------------------------------------------------------------------


def _etag(client, entry_id: int, headers: dict) -> str:
    return client.get(f"/api/v1/evidence/{entry_id}", headers=headers).headers["ETag"]


def test_a_change_needs_if_match_and_a_stale_etag_is_refused(client):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, WRITE)
    url = f"/api/v1/evidence/{entry.id}"
    etag = _etag(client, entry.id, headers)

    missing = client.patch(url, json={"title": "Changed"}, headers=headers)
    assert_problem(missing, 428)
    wrong = client.patch(url, json={"title": "Changed"}, headers={**headers, "If-Match": '"0123abcd"'})
    assert_problem(wrong, 412)
    assert db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"

    done = client.patch(url, json={"title": "Changed"}, headers={**headers, "If-Match": etag})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["title"] == "Changed" and done.headers["ETag"] != etag
    assert done.headers["ETag"] == _etag(client, entry.id, headers)
    stale = client.patch(url, json={"title": "Changed again"}, headers={**headers, "If-Match": etag})
    assert_problem(stale, 412)
    db.session.expire_all()
    changed = db.session.get(EvidenceEntry, entry.id)
    assert changed.title == "Changed" and changed.supervision_level == "2b"  # fields not sent keep their value
    [updated] = _audit("evidence.updated")
    assert updated.actor_id == trainee.id and json.loads(updated.payload)["content_hash"] == changed.content_hash


def test_a_change_made_on_the_page_since_the_etag_was_read_is_refused(client, login):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, WRITE)
    etag = _etag(client, entry.id, headers)
    entry.row_version += 1  # the edit page saved meanwhile
    db.session.commit()
    response = client.patch(f"/api/v1/evidence/{entry.id}", json={"title": "Mine"}, headers={**headers, "If-Match": etag})
    assert_problem(response, 412)
    assert db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"


def test_changing_an_entry_that_waits_for_sign_off_withdraws_its_request_as_the_page_does(client):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee, status="submitted")
    request = SignOffRequestFactory(evidence=entry, supervisor=supervisor)
    headers = bearer(trainee, WRITE)

    response = client.patch(
        f"/api/v1/evidence/{entry.id}",
        json={"notes": "Added a line."},
        headers={**headers, "If-Match": _etag(client, entry.id, headers)},
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "draft" and response.get_json()["signoff"]["pending_request"] is None
    db.session.expire_all()
    assert db.session.get(SignOffRequest, request.id).status == "cancelled"
    assert [json.loads(r.payload)["request_id"] for r in _audit("signoff.cancelled")] == [request.id]


@pytest.mark.parametrize("state", ["signed", "superseded"])
def test_an_entry_that_may_not_change_is_a_409_saying_why(client, state):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee, status="signed" if state == "signed" else "draft")
    if state == "superseded":
        entry.superseded_at = clock.now()
        db.session.commit()
    headers = bearer(trainee, WRITE)
    response = client.patch(
        f"/api/v1/evidence/{entry.id}",
        json={"title": "Changed"},
        headers={**headers, "If-Match": _etag(client, entry.id, headers)},
    )
    body = assert_problem(response, 409)
    assert ("new version" if state == "signed" else "newer version") in body["detail"]
    assert db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"


def test_another_persons_entry_cannot_be_changed(client):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee)
    other = TraineeFactory()
    etag = _etag(client, entry.id, bearer(trainee))
    for who, scopes in ((other, WRITE), (supervisor, ("read",))):
        response = client.patch(
            f"/api/v1/evidence/{entry.id}", json={"title": "Mine now"}, headers={**bearer(who, scopes), "If-Match": etag}
        )
        assert_problem(response, 403)
    assert db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"


def test_a_change_gets_the_same_field_checks(client):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, WRITE)
    response = client.patch(
        f"/api/v1/evidence/{entry.id}",
        json={"notes": "Patient NHS 943 476 5919", "colour": "red"},
        headers={**headers, "If-Match": _etag(client, entry.id, headers)},
    )
    assert {e["field"] for e in assert_problem(response, 422)["errors"]} == {"colour"}
    response = client.patch(
        f"/api/v1/evidence/{entry.id}",
        json={"notes": "Patient NHS 943 476 5919"},
        headers={**headers, "If-Match": _etag(client, entry.id, headers)},
    )
    assert {e["field"] for e in assert_problem(response, 422)["errors"]} == {"notes"}
    assert db.session.get(EvidenceEntry, entry.id).notes == ""


# --- asking for sign-off -------------------------------------------------------------------------------------------


def test_a_trainee_asks_their_supervisor_and_the_request_is_what_the_page_makes(client):
    trainee, supervisor = TraineeFactory(), SupervisorFactory(name="Dr Decides")
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, WRITE)
    assert [s["id"] for s in client.get("/api/v1/me", headers=headers).get_json()["trainee"]["supervisors"]] == [supervisor.id]

    response = client.post(
        f"/api/v1/evidence/{entry.id}/signoff-requests", json={"supervisor_id": supervisor.id}, headers=headers
    )

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    request = db.session.get(SignOffRequest, body["id"])
    assert (request.evidence_id, request.supervisor_id, request.requested_by_id, request.status) == (
        entry.id,
        supervisor.id,
        trainee.id,
        "pending",
    )
    assert body["supervisor"] == {"id": supervisor.id, "name": "Dr Decides"} and body["status"] == "pending"
    assert body["links"]["evidence"] == f"/api/v1/evidence/{entry.id}"
    assert db.session.get(EvidenceEntry, entry.id).status == "submitted"
    [audit] = _audit("signoff.requested")
    assert audit.actor_id == trainee.id and json.loads(audit.payload)["to"] == supervisor.email

    again = client.post(f"/api/v1/evidence/{entry.id}/signoff-requests", json={"supervisor_id": supervisor.id}, headers=headers)
    assert "already waiting" in assert_problem(again, 409)["detail"]
    assert _count(SignOffRequest) == 1


def test_sign_off_is_asked_only_of_the_trainees_own_current_supervisors(client):
    trainee, own, stranger = TraineeFactory(), SupervisorFactory(), SupervisorFactory()
    assign(own, trainee, kind="clinical")
    assign(stranger, TraineeFactory())
    entry = EvidenceFactory(trainee=trainee)
    essr = EvidenceFactory(trainee=trainee, evidence_type="report.essr")
    headers = bearer(trainee, WRITE)
    for evidence, supervisor_id in ((entry, stranger.id), (entry, trainee.id), (entry, 999999), (essr, own.id)):
        response = client.post(
            f"/api/v1/evidence/{evidence.id}/signoff-requests", json={"supervisor_id": supervisor_id}, headers=headers
        )
        assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["supervisor_id"]
    for bad in ({}, {"supervisor_id": "1"}, {"supervisor_id": own.id, "assessor_email": "a@example.org"}):
        response = client.post(f"/api/v1/evidence/{entry.id}/signoff-requests", json=bad, headers=headers)
        assert_problem(response, 422)
    assert _count(SignOffRequest) == 0


def test_sign_off_of_someone_elses_entry_is_refused_as_on_the_page(app, client):
    trainee, other, supervisor = TraineeFactory(), TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee)
    assert _page_status(app, other, f"/signoff/request/{entry.id}") == 403
    response = client.post(
        f"/api/v1/evidence/{entry.id}/signoff-requests", json={"supervisor_id": supervisor.id}, headers=bearer(other, WRITE)
    )
    assert_problem(response, 403)
    missing = client.post("/api/v1/evidence/999999/signoff-requests", json={"supervisor_id": 1}, headers=bearer(other, WRITE))
    assert_problem(missing, 404)
    assert _count(SignOffRequest) == 0


MISSING = 2_000_000_000  # fits a PostgreSQL integer; no test makes that many rows


def test_a_missing_record_answers_each_caller_as_the_pages_do(app, client):
    """Rules that need the entry are asked once it is found (404 for every caller the operation serves); the
    trainee rule is asked of the id first, so a trainee who does not exist is 403 but to an administrator."""
    people = _people()
    headers = {who: bearer(person, policy.api_scopes_for(person)) for who, person in people.items()}
    writers = {"trainee", "other_trainee"}
    problems = []
    for who in CALLERS:
        calls = {
            "GET entry": (client.get(f"/api/v1/evidence/{MISSING}", headers=headers[who]), 404),
            "GET logbook": (
                client.get(f"/api/v1/trainees/{MISSING}/evidence", headers=headers[who]),
                404 if who == "admin" else 403,
            ),
            "PATCH entry": (
                client.patch(f"/api/v1/evidence/{MISSING}", json={}, headers={**headers[who], "If-Match": '"x"'}),
                404 if who in writers else 403,
            ),
            "POST sign-off": (
                client.post(f"/api/v1/evidence/{MISSING}/signoff-requests", json={"supervisor_id": 1}, headers=headers[who]),
                404 if who in writers else 403,
            ),
        }
        for name, (response, expected) in calls.items():
            if response.status_code != expected or response.mimetype != "application/problem+json":
                problems.append(f"{name} as {who}: {response.status_code}, expected {expected}")
    assert not problems, "\n".join(problems)


def test_control_characters_and_lone_surrogates_are_removed_from_a_body_as_from_a_pages_form(client):
    trainee = TraineeFactory()
    body = _body(title="Clinic\x00 one\x0b", notes="Seen\ud800 together")
    response = client.post("/api/v1/evidence", json=body, headers=bearer(trainee, WRITE))
    assert response.status_code == 201, response.get_data(as_text=True)
    entry = db.session.get(EvidenceEntry, response.get_json()["id"])
    assert (entry.title, entry.notes) == ("Clinic one", "Seen together")


def test_a_nul_character_in_a_filter_never_reaches_the_database(client):
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee, title="Clinic")
    headers = bearer(trainee)
    url = f"/api/v1/trainees/{trainee.id}/evidence"
    for query in ({"q": "clin\x00"}, {"competency": "S3_PM_01\x00"}):
        found = client.get(url, query_string=query, headers=headers)
        assert found.status_code == 200 and [i["title"] for i in found.get_json()["items"]] == ["Clinic"]


def test_problems_raised_with_werkzeugs_wording_tell_an_api_caller_what_to_do(client):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, WRITE)
    url = f"/api/v1/evidence/{entry.id}"

    unreadable = client.post("/api/v1/evidence", data="{not json", headers={**headers, "Content-Type": "application/json"})
    assert "well-formed JSON" in assert_problem(unreadable, 400)["detail"]
    missing = client.patch(url, json={"title": "Changed"}, headers=headers)
    assert "as If-Match" in assert_problem(missing, 428)["detail"]
    stale = client.patch(url, json={"title": "Changed"}, headers={**headers, "If-Match": '"0123abcd"'})
    assert "read it again" in assert_problem(stale, 412)["detail"]
    elsewhere = client.get(f"/api/v1/trainees/{TraineeFactory().id}/evidence", headers=headers)
    assert "may not see or do this" in assert_problem(elsewhere, 403)["detail"]
    nowhere = client.get("/api/v1/evidence/2147483000", headers=headers)
    assert "check the path" in assert_problem(nowhere, 404)["detail"]
    for response in (unreadable, missing, stale, elsewhere, nowhere):
        assert "server" not in response.get_json()["detail"]  # none of Werkzeug's words for a browser


def test_the_document_says_which_kinds_need_each_detail_as_the_form_does(client):
    from competencies import EVIDENCE_TYPES, required_details

    fields = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["EvidenceWrite"]["properties"]
    for detail in ("supervision_level", "technique", "guidance", "notes", "reflection"):
        described = fields[detail]["description"]
        for code in EVIDENCE_TYPES:
            assert (f"{code}," in described or described.endswith(code)) == (detail in required_details(code)), (
                detail,
                code,
                described,
            )
    assert "/api/v1/curricula/{version}" in fields["competencies"]["description"]


def test_if_match_star_is_no_version_and_changes_nothing(client):
    """`If-Match: *` says no version the client read, so it is refused as a missing one (428), as a sign-off decision
    refuses it: the version guard cannot be stepped round."""
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    url = f"/api/v1/evidence/{entry.id}"
    headers = bearer(trainee, WRITE)
    star = client.patch(url, json={"title": "Changed"}, headers={**headers, "If-Match": "*"})
    assert "If-Match" in assert_problem(star, 428)["detail"]
    in_a_list = client.patch(url, json={"title": "Changed"}, headers={**headers, "If-Match": '*, "0123abcd"'})
    assert_problem(in_a_list, 412)
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"
