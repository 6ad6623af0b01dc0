"""Sign-off over the API: a supervisor reads their queue and a request, then signs or returns it with the request's
ETag as If-Match, through the same services as the page. Each guarantee's attack: another supervisor's request, a
trainee's token (even with a scope forged into the database), a read-only token, If-Match missing or stale, the
trainee editing after the read, a second decision, a token revoked mid-way, and a signature altered by SQL."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import func, select, text, update

from tests.app.logbook.helpers import form_data
from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import EvidenceFactory, SupervisorFactory, TraineeFactory, assign
from tests.support.api import assert_problem, bearer, new_token
from trainee_portal.auth import tokens
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.models import (
    ApiToken,
    AuditRecord,
    EvidenceEntry,
    OutboxMessage,
    SignOff,
    SignOffRequest,
    SupervisorResponseDay,
)

QUEUE = "/api/v1/signoff/queue"
SUPERVISOR_SCOPES = ("read", "signoff")


def _url(signoff_request, action: str = "") -> str:
    return f"/api/v1/signoff/requests/{signoff_request.id}" + (f"/{action}" if action else "")


def _waiting(client, login, title="Caudal epidural"):
    """A trainee's entry asked of their supervisor through the real form; (people, entry, request)."""
    people = cast()
    entry = EvidenceFactory(trainee=people.owner, title=title)
    return people, entry, request_via_app(client, login, people, entry)


def _read(client, headers, signoff_request):
    response = client.get(_url(signoff_request), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _nothing_decided(signoff_request) -> None:
    db.session.expire_all()
    assert db.session.get(SignOffRequest, signoff_request.id).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(SignOff)) == 0


def test_a_supervisor_reads_the_request_signs_it_and_the_trainee_sees_the_signature(client, login, app):
    people, entry, signoff_request = _waiting(client, login)
    token, secret = new_token(people.supervisor, SUPERVISOR_SCOPES, name="Rota app")
    headers = {"Authorization": f"Bearer {secret}"}

    queue = client.get(QUEUE, headers=headers).get_json()
    (item,) = queue["items"]
    assert item["id"] == signoff_request.id and item["trainee"]["name"] == people.owner.name
    assert item["evidence"]["title"] == "Caudal epidural" and item["days_waiting"] == 0
    assert queue["next_cursor"] is None

    read = _read(client, headers, signoff_request)
    stored = db.session.get(EvidenceEntry, entry.id)
    assert read.headers["ETag"] == f'"{stored.compute_content_hash()}"' == f'"{item["content_hash"]}"'
    body = read.get_json()
    assert body["status"] == "pending" and body["signature"] is None
    assert body["evidence"]["notes"] == stored.notes and body["evidence"]["content_hash"] == stored.compute_content_hash()
    assert [c["code"] for c in body["evidence"]["competencies"]] == sorted(stored.competency_codes)

    response = client.post(
        _url(signoff_request, "sign"),
        headers={**headers, "If-Match": read.headers["ETag"]},
        json={"level": "3", "feedback": "  Safe and fluent.  "},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    signed = response.get_json()
    assert signed["status"] == "signed" and signed["evidence"]["status"] == "signed"
    assert signed["signature"]["method"] == "api_token" and signed["signature"]["level"] == "3"
    assert signed["signature"]["feedback"] == "Safe and fluent."
    assert "through the API with a personal access token" in signed["signature"]["label"]

    db.session.expire_all()
    signoff = db.session.scalar(select(SignOff).where(SignOff.request_id == signoff_request.id))
    assert signoff.method == "api_token" and signoff.signer_id == people.supervisor.id
    assert signoff.content_hash == db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "signoff.signed"))
    payload = json.loads(record.payload) if isinstance(record.payload, str) else record.payload
    assert payload["method"] == "api_token" and payload["token"] == token.shown_part
    assert secret not in json.dumps(payload) and record.actor_id == people.supervisor.id
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == people.owner.id)).all()
    assert any(m.category == "signoff.signed" and "Safe and fluent." in m.body for m in told)
    assert db.session.scalar(select(func.sum(SupervisorResponseDay.count))) == 1  # the response time, as the page
    assert client.get(QUEUE, headers=headers).get_json()["items"] == []

    login(people.owner)
    page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert "Dr Assigned Supervisor" in page and "through the API with a personal access token" in page
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "Audit OK" in result.output, result.output


def test_a_supervisor_returns_the_request_with_a_reason_the_trainee_reads(client, login):
    people, entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    etag = _read(client, headers, signoff_request).headers["ETag"]
    blank = client.post(_url(signoff_request, "return"), headers={**headers, "If-Match": etag}, json={"reason": "   "})
    assert assert_problem(blank, 422)["errors"][0]["field"] == "reason"
    response = client.post(
        _url(signoff_request, "return"), headers={**headers, "If-Match": etag}, json={"reason": "Add the level."}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "returned" and response.get_json()["return_reason"] == "Add the level."
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).status == "returned"
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "signoff.returned")).all()
    assert [m.user_id for m in messages] == [people.owner.id] and "Add the level." in messages[0].body


def test_free_text_with_a_patient_identifier_and_bad_bodies_are_refused(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    headers["If-Match"] = _read(client, headers, signoff_request).headers["ETag"]
    for body, field in (
        ({"level": "3", "feedback": "Patient NHS number 943 476 5919 seen"}, "feedback"),
        ({"level": "9"}, "level"),
        ({"feedback": "No level"}, "level"),
        ({"level": "3", "signer_id": 1}, "signer_id"),
        ({"level": 3}, "level"),
        ({"level": "3", "feedback": "x" * 4001}, "feedback"),
    ):
        problem = assert_problem(client.post(_url(signoff_request, "sign"), headers=headers, json=body), 422)
        assert [e["field"] for e in problem["errors"]] == [field], problem
    problem = assert_problem(
        client.post(_url(signoff_request, "return"), headers=headers, json={"reason": "MRN 12345678 for Mrs Smith"}), 422
    )
    assert problem["errors"][0]["field"] == "reason"
    not_json = client.post(_url(signoff_request, "sign"), headers=headers, data="level=3")
    assert not_json.status_code in (415, 422) and not_json.mimetype == "application/problem+json"
    _nothing_decided(signoff_request)


def test_if_match_missing_stale_or_a_wildcard_is_refused(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    _read(client, headers, signoff_request)
    sign = _url(signoff_request, "sign")
    assert_problem(client.post(sign, headers=headers, json={"level": "3"}), 428)
    assert_problem(client.post(sign, headers={**headers, "If-Match": "*"}, json={"level": "3"}), 428)
    assert_problem(client.post(sign, headers={**headers, "If-Match": '"' + "0" * 64 + '"'}, json={"level": "3"}), 412)
    assert_problem(client.post(_url(signoff_request, "return"), headers=headers, json={"reason": "No"}), 428)
    _nothing_decided(signoff_request)


def test_an_unchanged_request_answers_304_to_its_etag(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    etag = _read(client, headers, signoff_request).headers["ETag"]
    assert client.get(_url(signoff_request), headers={**headers, "If-None-Match": etag}).status_code == 304


def test_the_trainee_edits_the_entry_after_the_supervisor_read_it_so_the_signature_is_refused(client, login):
    people, entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    etag = _read(client, headers, signoff_request).headers["ETag"]
    login(people.owner)
    row_version = db.session.get(EvidenceEntry, entry.id).row_version
    edited = client.post(
        f"/logbook/{entry.id}/edit",
        data=form_data(title="Caudal epidural, revised", competencies=list(entry.competency_codes), row_version=str(row_version)),
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)[:2000]
    client.post("/logout")
    problem = assert_problem(
        client.post(_url(signoff_request, "sign"), headers={**headers, "If-Match": etag}, json={"level": "3"}), 412
    )
    assert "changed this evidence" in problem["detail"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SignOff)) == 0
    assert db.session.get(EvidenceEntry, entry.id).status == "draft"


def test_a_second_decision_is_a_conflict_and_changes_nothing(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    headers["If-Match"] = _read(client, headers, signoff_request).headers["ETag"]
    assert client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"}).status_code == 200
    before = db.session.scalar(select(func.count()).select_from(AuditRecord))
    again = assert_problem(client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "2b"}), 409)
    assert "already signed" in again["detail"]
    assert_problem(client.post(_url(signoff_request, "return"), headers=headers, json={"reason": "Oops"}), 409)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditRecord)) == before
    assert db.session.scalar(select(SignOff.supervision_level)) == "3"


def test_a_withdrawn_request_is_a_conflict(client, login):
    people, entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    headers["If-Match"] = _read(client, headers, signoff_request).headers["ETag"]
    login(people.owner)
    assert client.post(f"/signoff/requests/{signoff_request.id}/cancel").status_code == 302
    client.post("/logout")
    db.session.expire_all()
    # Withdrawing moved the entry back to draft: its content (what the ETag covers) is the same, the request is gone.
    assert f'"{db.session.get(EvidenceEntry, entry.id).compute_content_hash()}"' == headers["If-Match"]
    problem = assert_problem(client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"}), 409)
    assert "cancelled" in problem["detail"]


def test_another_supervisors_request_is_refused_and_an_unknown_one_not_found(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    own = bearer(people.supervisor, SUPERVISOR_SCOPES)
    etag = _read(client, own, signoff_request).headers["ETag"]
    for stranger in (people.unassigned_supervisor, people.ended_supervisor):
        headers = {**bearer(stranger, SUPERVISOR_SCOPES), "If-Match": etag}
        assert client.get(QUEUE, headers=headers).get_json()["items"] == []
        body = assert_problem(client.get(_url(signoff_request), headers=headers), 403)
        assert "Caudal" not in json.dumps(body)
        assert_problem(client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"}), 403)
        assert_problem(client.post(_url(signoff_request, "return"), headers=headers, json={"reason": "No"}), 403)
    assert_problem(client.get("/api/v1/signoff/requests/999999", headers=own), 404)
    assert_problem(client.post("/api/v1/signoff/requests/999999/sign", headers=own, json={"level": "3"}), 404)
    assert client.get("/api/v1/signoff/requests/abc", headers=own).status_code == 404
    _nothing_decided(signoff_request)


def test_a_supervisor_who_is_also_the_trainee_cannot_sign_their_own_evidence(client):
    both = SupervisorFactory(name="Dr Both")
    other = SupervisorFactory()
    trainee = TraineeFactory()
    assign(other, trainee)
    entry = EvidenceFactory(trainee=trainee, status="submitted")
    signoff_request = SignOffRequest(evidence_id=entry.id, requested_by_id=trainee.id, supervisor_id=both.id, status="pending")
    db.session.add(signoff_request)
    db.session.commit()
    headers = {**bearer(both, SUPERVISOR_SCOPES), "If-Match": f'"{entry.compute_content_hash()}"'}
    assert_problem(client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"}), 403)
    _nothing_decided(signoff_request)


def test_a_trainees_token_is_refused_even_with_the_scope_forged_into_the_database(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    token, secret = new_token(people.owner, ("read", "evidence:write"))
    headers = {"Authorization": f"Bearer {secret}", "If-Match": f'"{signoff_request.evidence.compute_content_hash()}"'}
    for forged in (False, True):
        if forged:  # a hostile database edit gives the trainee's token the scope their roles never grant
            db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(scopes="read signoff"))
            db.session.commit()
        for response in (
            client.get(QUEUE, headers=headers),
            client.get(_url(signoff_request), headers=headers),
            client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"}),
            client.post(_url(signoff_request, "return"), headers=headers, json={"reason": "Mine"}),
        ):
            assert_problem(response, 403)
            assert 'scope="signoff"' in response.headers["WWW-Authenticate"]
    _nothing_decided(signoff_request)


def test_a_read_only_token_cannot_read_the_queue_or_decide(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    headers = {**bearer(people.supervisor, ("read",)), "If-Match": f'"{signoff_request.evidence.compute_content_hash()}"'}
    assert_problem(client.get(QUEUE, headers=headers), 403)
    assert_problem(client.get(_url(signoff_request), headers=headers), 403)
    assert_problem(client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"}), 403)
    _nothing_decided(signoff_request)


def test_a_token_revoked_after_the_read_cannot_sign(client, login):
    people, _entry, signoff_request = _waiting(client, login)
    token, secret = new_token(people.supervisor, SUPERVISOR_SCOPES)
    headers = {"Authorization": f"Bearer {secret}"}
    headers["If-Match"] = _read(client, headers, signoff_request).headers["ETag"]
    assert tokens.revoke(db.session.get(ApiToken, token.id), people.supervisor)
    db.session.commit()
    response = client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    _nothing_decided(signoff_request)


def test_the_queue_pages_oldest_first_with_an_opaque_cursor_and_a_link(client, login):
    people = cast()
    made = [request_via_app(client, login, people, EvidenceFactory(trainee=people.owner, title=f"Clinic {n}")) for n in range(3)]
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    first = client.get(QUEUE, query_string={"limit": 2}, headers=headers)
    body = first.get_json()
    assert [i["id"] for i in body["items"]] == [made[0].id, made[1].id]
    assert body["next_cursor"] and first.headers["Link"].endswith('>; rel="next"')
    next_url = first.headers["Link"][1:].split(">", 1)[0]
    second = client.get(next_url, headers=headers).get_json()
    assert [i["id"] for i in second["items"]] == [made[2].id] and second["next_cursor"] is None
    assert second == client.get(QUEUE, query_string={"cursor": body["next_cursor"], "limit": 2}, headers=headers).get_json()
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "not-a-cursor"}, {"cursor": "' OR 1=1 --"}):
        assert_problem(client.get(QUEUE, query_string=bad, headers=headers), 422)


def test_verify_audit_reports_an_api_signature_altered_by_sql(client, login, app):
    people, _entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    headers["If-Match"] = _read(client, headers, signoff_request).headers["ETag"]
    assert client.post(_url(signoff_request, "sign"), headers=headers, json={"level": "3"}).status_code == 200
    assert verify_all().ok
    db.session.execute(text("UPDATE sign_off SET method = 'signed_in', supervision_level = '1'"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1, result.output
    signoff = db.session.scalar(select(SignOff))
    assert f"sign-off {signoff.id} (evidence {signoff.evidence_id})" in result.output
    assert "method" in result.output


def test_every_signoff_operation_answers_a_supervisor_as_its_schema_says(app, client, login):
    """Property-based, as the supervisor the operations serve, with a request waiting for them: no 5xx, and every
    response as documented (a generated If-Match is a documented 412 or 428, so schema-valid requests may be refused)."""
    people, _entry, _request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations() if "/signoff/" in r.ok().path]
    assert len(operations) == 4
    for operation in operations:

        @settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.operation.label, response.status_code)
            case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])

        call()


def test_a_reason_of_white_space_the_document_also_refuses_is_a_422(client, login):
    """U+0085 alone is white space to the API (str.strip()) and, by the document's spelt-out pattern, to a client."""
    people, _entry, signoff_request = _waiting(client, login)
    headers = bearer(people.supervisor, SUPERVISOR_SCOPES)
    etag = _read(client, headers, signoff_request).headers["ETag"]
    response = client.post(_url(signoff_request, "return"), headers={**headers, "If-Match": etag}, json={"reason": "\x85\u3000"})
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["reason"]
    _nothing_decided(signoff_request)
