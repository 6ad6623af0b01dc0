"""Outside assessors: a one-time link minted when the email goes, stored only as a hash, single use, expiring."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from tests.app.signoff.helpers import ASSESSOR, assessor_decides, assessor_link, cast, request_via_app
from tests.factories import DopsFactory
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, OutboxMessage, SignOff, SignOffRequest
from trainee_portal.notifications.sender import send_due


def test_link_token_is_stored_only_as_its_hash(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, token = assessor_link(client, login, people, entry, smtp)
    db.session.expire_all()
    stored = db.session.get(SignOffRequest, signoff_request.id)
    assert len(token) >= 43 and stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    for body in db.session.scalars(select(OutboxMessage.body)):
        assert token not in body
    for payload in db.session.scalars(select(AuditRecord.payload)):
        assert token not in payload
    assert stored.expires_at - stored.created_at > timedelta(days=13)


def test_assessor_sees_only_that_item_and_signs_once(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner, title="The requested block")
    DopsFactory(trainee=people.owner, title="Another private item")
    signoff_request, token = assessor_link(client, login, people, entry, smtp)
    page = client.get(f"/signoff/assessor/{token}")
    text = page.data.decode()
    assert page.status_code == 200 and "The requested block" in text and "Another private item" not in text
    assert "GMC number" in text
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    bad = assessor_decides(client, token, assessor_gmc="12345", seen_hash=seen)
    assert bad.status_code == 400 and "7 digits" in bad.data.decode() and "Dr Visiting Consultant" in bad.data.decode()
    own = assessor_decides(client, token, assessor_gmc=people.owner.trainee_profile.gmc_number, seen_hash=seen)
    assert own.status_code == 400 and "trainee&#39;s own GMC number" in own.data.decode()
    done = assessor_decides(client, token, seen_hash=seen)
    assert done.status_code == 302 and "/signoff/assessor/done" in done.headers["Location"]
    db.session.expire_all()
    signoff = db.session.scalar(select(SignOff))
    assert signoff.signer_id is None and signoff.assessor_name == "Dr Visiting Consultant" and signoff.assessor_gmc == "1234567"
    # nhs.example is not a domain the trainee's region trusts: the signature waits for the educational supervisor
    assert signoff.assurance == "unconfirmed" and signoff.assessor_email == ASSESSOR
    assert db.session.get(EvidenceEntry, entry.id).status == "submitted"
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "signoff.signed"))
    assert "GMC 1234567" in record.actor_label and record.actor_id is None
    again = client.get(f"/signoff/assessor/{token}")
    assert again.status_code == 410 and "already been used" in again.data.decode()
    replay = assessor_decides(client, token, seen_hash=seen)
    assert replay.status_code == 410 and db.session.query(SignOff).count() == 1


def test_assessor_can_return_with_a_reason(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    _, token = assessor_link(client, login, people, entry, smtp)
    response = assessor_decides(
        client,
        token,
        decision="return",
        reason="Please add the patient's outcome at six weeks.",
        seen_hash=db.session.get(EvidenceEntry, entry.id).compute_content_hash(),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).status == "returned"
    login(people.owner)
    assert "outcome at six weeks" in client.get("/signoff/mine").data.decode()


def test_expired_and_unknown_links_are_refused_clearly(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, token = assessor_link(client, login, people, entry, smtp)
    stored = db.session.get(SignOffRequest, signoff_request.id)
    stored.expires_at = stored.created_at - timedelta(seconds=1)
    db.session.commit()
    expired = client.get(f"/signoff/assessor/{token}")
    assert expired.status_code == 410 and "This link has expired" in expired.data.decode()
    posted = assessor_decides(client, token, seen_hash="x")
    assert posted.status_code == 410 and db.session.query(SignOff).count() == 0
    unknown = client.get("/signoff/assessor/" + "A" * 43)
    assert unknown.status_code == 404 and "not recognised" in unknown.data.decode()
    assert client.get("/signoff/assessor/short").status_code == 404


def test_withdrawn_request_link_stops_working_and_unsent_link_is_never_sent(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, token = assessor_link(client, login, people, entry, smtp)
    login(people.owner)
    assert client.post(f"/signoff/requests/{signoff_request.id}/cancel").status_code == 302
    client.post("/logout")
    refused = client.get(f"/signoff/assessor/{token}")
    assert refused.status_code == 410 and "withdrawn" in refused.data.decode()
    second = DopsFactory(trainee=people.owner, title="Second")
    pending = request_via_app(client, login, people, second, recipient="assessor", email=ASSESSOR)
    login(people.owner)
    client.post(f"/signoff/requests/{pending.id}/cancel")
    smtp.messages.clear()
    report = send_due()
    assert report.skipped == 1
    assert all("/signoff/assessor/" not in m.get_payload(decode=True).decode() for m in smtp.messages)


def test_trainee_cannot_use_a_link_to_their_own_evidence(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    _, token = assessor_link(client, login, people, entry, smtp)
    login(people.owner)
    response = client.get(f"/signoff/assessor/{token}")
    assert response.status_code == 403 and "cannot assess your own evidence" in response.data.decode()
