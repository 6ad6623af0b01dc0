"""Signing in person: a supervisor's PIN, set in their account, signs on the trainee's signed-in device. The trainee
must learn nothing that lets them sign again: guesses lock, replays and other people's requests are refused, and the
PIN never appears anywhere but the hash."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from tests.app.platform.helpers import csrf_app, page_token, sign_in_with_token
from tests.app.signoff.helpers import cast, request_via_app
from tests.conftest import TEST_PASSWORD
from tests.factories import DopsFactory, SignOffFactory, SignOffRequestFactory, SupervisorFactory, TraineeFactory, assign
from trainee_portal import integrity
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, LoginFailure, OutboxMessage, SigningPin, SignOff, SignOffRequest

PIN = "480915"
OTHER_PIN = "736204"


def set_pin(client, login, supervisor, pin: str = PIN):
    """The supervisor sets their PIN on their account page, through the real form."""
    login(supervisor)
    response = client.post("/account/signing-pin", data={"current_password": TEST_PASSWORD, "pin": pin, "confirm_pin": pin})
    assert response.status_code == 302, response.data.decode()[:2000]
    client.post("/logout")


def pending(client, login, people, title: str = "Caudal epidural under supervision"):
    entry = DopsFactory(trainee=people.owner, title=title)
    return entry, request_via_app(client, login, people, entry)


def sign_data(entry_id: int, pin: str = PIN, **overrides) -> dict:
    seen = db.session.get(EvidenceEntry, entry_id).compute_content_hash()
    return {"supervision_level": "3", "feedback": "Calm and safe.", "pin": pin, "seen_hash": seen} | overrides


def every_text() -> str:
    """Everything the database keeps that a person could read: audit payloads, emails and notifications."""
    payloads = db.session.scalars(select(AuditRecord.payload)).all()
    mails = db.session.scalars(select(OutboxMessage.body)).all() + db.session.scalars(select(OutboxMessage.subject)).all()
    return "\n".join(map(str, payloads + mails))


# --- the PIN in the supervisor's account ---------------------------------------------------------------


def test_supervisor_sets_changes_and_removes_a_pin_kept_only_as_a_slow_hash(client, login):
    people = cast()
    login(people.supervisor)
    page = client.get("/account/signing-pin")
    assert page.status_code == 200 and "You have no PIN" in page.data.decode()
    for trivial, message in (
        ("111111", "one digit repeated"),
        ("123456", "run of digits"),
        ("654321", "run of digits"),
        ("12345", "6 to 8 digits"),
        ("123456789", "6 to 8 digits"),
        ("12ab56", "numbers only"),
        ("121212", "more than two different digits"),
    ):
        refused = client.post(
            "/account/signing-pin", data={"current_password": TEST_PASSWORD, "pin": trivial, "confirm_pin": trivial}
        )
        assert refused.status_code == 400 and message in refused.data.decode(), trivial
    wrong_password = client.post(
        "/account/signing-pin", data={"current_password": "not-my-password", "pin": PIN, "confirm_pin": PIN}
    )
    assert wrong_password.status_code == 400 and "password is not right" in wrong_password.data.decode()
    assert db.session.get(SigningPin, people.supervisor.id) is None
    assert (
        client.post("/account/signing-pin", data={"current_password": TEST_PASSWORD, "pin": PIN, "confirm_pin": PIN}).status_code
        == 302
    )
    row = db.session.get(SigningPin, people.supervisor.id)
    assert row is not None and PIN not in row.pin_hash and row.pin_hash.startswith(("pbkdf2:", "scrypt:"))
    shown = client.get("/account/signing-pin").data.decode()
    assert "Your PIN is set" in shown and PIN not in shown and row.pin_hash not in shown
    old_hash = row.pin_hash
    assert (
        client.post(
            "/account/signing-pin", data={"current_password": TEST_PASSWORD, "pin": OTHER_PIN, "confirm_pin": OTHER_PIN}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(SigningPin, people.supervisor.id).pin_hash != old_hash
    assert client.post("/account/signing-pin/remove", data={"remove-current_password": "wrong"}).status_code == 400
    assert db.session.get(SigningPin, people.supervisor.id) is not None
    assert client.post("/account/signing-pin/remove", data={"remove-current_password": TEST_PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SigningPin, people.supervisor.id) is None
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.action.like("signing_pin.%")).order_by(AuditRecord.id)
    ).all()
    assert actions == ["signing_pin.set", "signing_pin.changed", "signing_pin.removed"]
    assert PIN not in every_text() and OTHER_PIN not in every_text()


def test_a_trainee_has_no_pin_page(client, login):
    people = cast()
    login(people.owner)
    assert client.get("/account/signing-pin").status_code == 403
    assert (
        client.post("/account/signing-pin", data={"current_password": TEST_PASSWORD, "pin": PIN, "confirm_pin": PIN}).status_code
        == 403
    )
    assert db.session.scalar(select(SigningPin)) is None


# --- signing in person ---------------------------------------------------------------------------------


def test_supervisor_signs_in_person_on_the_trainees_device(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    detail = client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    assert "Sign in person" in detail
    page = client.get(f"/signoff/requests/{signoff_request.id}/in-person")
    html = page.data.decode()
    assert page.status_code == 200 and "Caudal epidural under supervision" in html and "Dr Assigned Supervisor" in html
    pin_input = re.search(r"<input[^>]*name=\"pin\"[^>]*>", html).group(0)
    assert 'type="password"' in pin_input and 'inputmode="numeric"' in pin_input and 'autocomplete="off"' in pin_input
    assert page.headers["Cache-Control"] == "no-store"
    done = client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id))
    assert done.status_code == 302, done.data.decode()[:2000]
    db.session.expire_all()
    signoff = db.session.scalar(select(SignOff).where(SignOff.request_id == signoff_request.id))
    assert signoff.signer_id == people.supervisor.id and signoff.method == "in_person_pin"
    assert signoff.assurance == "supervisor" and signoff.supervision_level == "3"
    assert db.session.get(EvidenceEntry, entry.id).status == "signed"
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "signoff.signed"))
    assert record.actor_id == people.supervisor.id
    payload = json.loads(record.payload)
    assert payload["method"] == "in_person_pin" and payload["witness_id"] == people.owner.id
    told = db.session.scalar(select(OutboxMessage).where(OutboxMessage.category == "signoff.in_person"))
    assert told.user_id == people.supervisor.id and f"/signoff/signatures/{signoff.id}/disown" in told.body
    after = client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    assert "in person with their sign-off PIN" in after and PIN not in after
    assert PIN not in every_text()
    assert integrity.verify_all().ok


def test_no_pin_means_not_offered_and_one_plain_answer(client, login):
    people = cast()
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    assert "Sign in person" not in client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    page = client.get(f"/signoff/requests/{signoff_request.id}/in-person")
    assert page.status_code == 200 and "has not set up in-person signing" in page.data.decode()
    guess = client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id))
    assert guess.status_code == 200 and "has not set up in-person signing" in guess.data.decode()
    assert db.session.scalar(select(SignOff)) is None and db.session.scalar(select(LoginFailure)) is None


def test_wrong_pins_lock_in_person_signing_for_that_supervisor_even_in_a_new_session(app, client, login, clock):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    url = f"/signoff/requests/{signoff_request.id}/in-person"
    for guess in ("000001", "000002", "000003", "000004", "000005"):
        wrong = client.post(url, data=sign_data(entry.id, pin=guess))
        assert wrong.status_code == 400 and "PIN is not right" in wrong.data.decode() and guess not in wrong.data.decode()
    locked = client.post(url, data=sign_data(entry.id))  # even the right PIN cannot confirm a guess now
    assert locked.status_code == 429 and "locked" in locked.data.decode() and int(locked.headers["Retry-After"]) > 0
    fresh = app.test_client()  # a new session (another browser) is locked too: the count is the supervisor's
    fresh.post("/login", data={"email": people.owner.email, "password": TEST_PASSWORD})
    assert fresh.post(url, data=sign_data(entry.id)).status_code == 429
    assert db.session.scalar(select(SignOff)) is None
    actions = db.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("signoff.in_person%"))).all()
    assert actions.count("signoff.in_person_wrong_pin") == 5 and actions.count("signoff.in_person_locked") == 2
    assert PIN not in every_text() and "000001" not in every_text()
    clock.set(clock.now() + timedelta(minutes=16))  # the window moves on: the supervisor can sign again
    assert client.post(url, data=sign_data(entry.id)).status_code == 302
    assert db.session.scalar(select(SignOff)).signer_id == people.supervisor.id


def test_replaying_a_signed_form_changes_nothing(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    data = sign_data(entry.id)
    assert client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=data).status_code == 302
    replay = client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=data, follow_redirects=True)
    assert "already signed" in replay.data.decode()
    assert db.session.query(SignOff).count() == 1
    assert db.session.query(AuditRecord).filter_by(action="signoff.signed").count() == 1


def test_another_supervisors_pin_does_not_sign_this_request(client, login):
    people = cast()
    second = SupervisorFactory(name="Dr Second Supervisor")
    assign(second, people.owner)
    set_pin(client, login, people.supervisor, PIN)
    set_pin(client, login, second, OTHER_PIN)
    entry, signoff_request = pending(client, login, people)  # asked of people.supervisor
    login(people.owner)
    wrong = client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id, pin=OTHER_PIN))
    assert wrong.status_code == 400 and "PIN is not right" in wrong.data.decode()
    assert db.session.scalar(select(SignOff)) is None


def test_only_the_named_supervisor_never_an_outside_assessor_and_not_someone_elses_request(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry = DopsFactory(trainee=people.owner)
    to_assessor = request_via_app(client, login, people, entry, recipient="assessor", email="visitor@nhs.example")
    login(people.owner)
    assert client.get(f"/signoff/requests/{to_assessor.id}/in-person").status_code == 403
    assert client.post(f"/signoff/requests/{to_assessor.id}/in-person", data=sign_data(entry.id)).status_code == 403
    client.post("/logout")
    other_entry = DopsFactory(trainee=people.other_trainee)
    others = SignOffRequestFactory(evidence=other_entry, supervisor=people.unassigned_supervisor)
    login(people.owner)
    assert client.post(f"/signoff/requests/{others.id}/in-person", data=sign_data(other_entry.id)).status_code == 403
    client.post("/logout")
    login(people.supervisor)  # the supervisor signs from their own queue; this page is the trainee's device only
    own_entry, own_request = DopsFactory(trainee=people.owner), None
    own_request = SignOffRequestFactory(evidence=own_entry, supervisor=people.supervisor)
    assert client.get(f"/signoff/requests/{own_request.id}/in-person").status_code == 403
    assert db.session.scalar(select(SignOff)) is None


def test_a_supervisor_who_is_the_trainee_cannot_sign_their_own_evidence(client, login):
    both = TraineeFactory(name="Dr Both Roles")
    both.set_roles(["trainee", "supervisor"])
    db.session.commit()  # the database refuses to assign anyone to supervise themself, so the request alone names them
    set_pin(client, login, both)
    entry = DopsFactory(trainee=both, status="submitted")
    signoff_request = SignOffRequestFactory(evidence=entry, supervisor=both)
    login(both)
    assert client.get(f"/signoff/requests/{signoff_request.id}/in-person").status_code == 403
    assert client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id)).status_code == 403
    assert db.session.scalar(select(SignOff)) is None


def test_a_request_already_decided_or_withdrawn_is_not_signed(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    assert client.post(f"/signoff/requests/{signoff_request.id}/cancel").status_code == 302
    late = client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id), follow_redirects=True)
    assert "already cancelled" in late.data.decode() and db.session.scalar(select(SignOff)) is None


def test_the_signature_covers_what_was_shown(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    stale = sign_data(entry.id, seen_hash="0" * 64)
    answer = client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=stale, follow_redirects=True)
    assert "changed this evidence" in answer.data.decode()
    assert db.session.scalar(select(SignOff)) is None
    assert db.session.get(SignOffRequest, signoff_request.id).status == "pending"


def test_removing_the_pin_stops_in_person_signing_at_once(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.supervisor)
    assert client.post("/account/signing-pin/remove", data={"remove-current_password": TEST_PASSWORD}).status_code == 302
    client.post("/logout")
    login(people.owner)
    attempt = client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id))
    assert attempt.status_code == 200 and "has not set up in-person signing" in attempt.data.decode()
    assert db.session.scalar(select(SignOff)) is None


def test_the_pin_hash_is_never_shown_and_the_form_carries_csrf(database_url, instance_dir, login, client):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    pin_hash = db.session.get(SigningPin, people.supervisor.id).pin_hash
    strict = csrf_app(database_url, instance_dir).test_client()
    sign_in_with_token(strict, people.owner)
    page = strict.get(f"/signoff/requests/{signoff_request.id}/in-person").data.decode()
    assert pin_hash not in page and pin_hash not in every_text()
    token = page_token(page)
    without = strict.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id))
    assert without.status_code == 400 and db.session.scalar(select(SignOff)) is None
    with_token = strict.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id, csrf_token=token))
    assert with_token.status_code == 302 and db.session.scalar(select(SignOff)) is not None


# --- voiding a signature given in one's name --------------------------------------------------------------


def test_the_supervisor_voids_an_in_person_signature_that_was_not_theirs(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id))
    signoff = db.session.scalar(select(SignOff))
    url = f"/signoff/signatures/{signoff.id}/disown"
    assert client.get(url).status_code == 403  # the trainee cannot undo (or redo) it
    client.post("/logout")
    login(people.unassigned_supervisor)
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(people.supervisor)
    assert "Was this you?" in client.get(url).data.decode()
    assert client.post(url, data={"reason": ""}).status_code == 400
    assert client.post(url, data={"reason": "I was not there."}).status_code == 302
    db.session.expire_all()
    signoff = db.session.get(SignOff, signoff.id)
    assert signoff.voided_at is not None and signoff.void_reason == "I was not there."
    assert db.session.get(EvidenceEntry, entry.id).status == "returned"
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "signoff.voided"))
    assert record.actor_id == people.supervisor.id and json.loads(record.payload)["method"] == "in_person_pin"
    again = client.post(url, data={"reason": "Again."}, follow_redirects=True)
    assert "already void" in again.data.decode()
    assert integrity.verify_all().ok


def test_a_signature_given_signed_in_cannot_be_disowned_this_way(client, login):
    people = cast()
    signoff = SignOffFactory(evidence=DopsFactory(trainee=people.owner), signer=people.supervisor)
    login(people.supervisor)
    assert client.get(f"/signoff/signatures/{signoff.id}/disown").status_code == 403
    assert client.post(f"/signoff/signatures/{signoff.id}/disown", data={"reason": "x"}).status_code == 403


def test_verify_audit_notices_a_method_changed_in_the_database(client, login):
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id))
    db.session.execute(SignOff.__table__.update().values(method="signed_in"))
    db.session.commit()
    report = integrity.verify_all()
    assert not report.ok and any("method" in str(p) for p in report.problems)
