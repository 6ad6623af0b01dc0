"""Signatures that mean what they say: an outside assessor's signature counts only at a domain the trainee's region
trusts or once the educational supervisor confirms it, and nobody signs or confirms their own evidence."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from tests.app.signoff.helpers import assessor_decides, assessor_link, cast, request_via_app, trust
from tests.factories import AssessorLinkFactory, DopsFactory, SupervisorFactory, assign
from trainee_portal import integrity, policy
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, OutboxMessage, SignOff, SignOffRequest
from trainee_portal.signoff.labels import signature_label
from trainee_portal.summaries import progress

# what a signature's audit record holds: the request and sign-off it is about, and every field the integrity check
# compares with the stored sign-off
SIGNED_KEYS = {"request_id", "signoff_id", *integrity.SIGNOFF_KEYS}


def _assessor_signs(client, login, people, entry, email, smtp):
    """Ask an outside assessor at this address through the app, and let them sign through their link."""
    _, token = assessor_link(client, login, people, entry, smtp, email)
    smtp.messages.clear()
    page = client.get(f"/signoff/assessor/{token}").data.decode()
    trusted = policy.trusted_assessor_domain(db.session.get(EvidenceEntry, entry.id), email) is not None
    assert ("your signature counts once the trainee's educational supervisor confirms it" in page) is not trusted
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    response = assessor_decides(client, token, seen_hash=seen, feedback="Fluent and safe.")
    assert response.status_code == 302, response.data.decode()[:1500]
    db.session.expire_all()
    return db.session.scalar(select(SignOff).where(SignOff.evidence_id == entry.id))


def _payload(action: str) -> dict:
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id.desc())).first()
    return json.loads(record.payload)


def _tally_statuses(trainee_id: int) -> set[str]:
    return {count.status for count in progress.trainee_counts(trainee_id)}


def test_assessor_at_a_trusted_domain_counts_and_says_so(client, login, smtp):
    people = cast()
    trust(people, "NHS.net")
    entry = DopsFactory(trainee=people.owner)
    signoff = _assessor_signs(client, login, people, entry, "visiting.consultant@trust.nhs.net", smtp)
    assert signoff.assurance == "trusted_domain" and signoff.assessor_email == "visiting.consultant@trust.nhs.net"
    assert db.session.get(EvidenceEntry, entry.id).status == "signed" and _tally_statuses(people.owner.id) == {"signed"}
    payload = _payload("signoff.signed")
    assert set(payload) == SIGNED_KEYS and payload["assurance"] == "trusted_domain" and payload["signer_id"] is None
    assert payload["assessor_email"] == "visiting.consultant@trust.nhs.net"
    assert payload["feedback_sha256"] == hashlib.sha256(b"Fluent and safe.").hexdigest()
    label = signature_label(signoff)
    assert label.startswith("Signed by outside assessor Dr Visiting Consultant (visiting.consultant@trust.nhs.net)")
    assert label.endswith("trusted domain nhs.net")
    login(people.owner)
    assert "trusted domain nhs.net" in client.get(f"/logbook/{entry.id}").data.decode()


def test_a_look_alike_domain_is_not_trusted(app):
    people = cast()
    trust(people, "nhs.net, @Example.ORG")
    entry = DopsFactory(trainee=people.owner)
    assert people.owner.trainee_profile.region.trusted_domains == ("nhs.net", "example.org")
    for email, expected in (
        ("a@nhs.net", "nhs.net"),
        ("a@x.NHS.NET", "nhs.net"),
        ("a@evilnhs.net", None),
        ("a@nhs.net.evil.example", None),
        ("a@example.org", "example.org"),
        ("nhs.net", None),
    ):
        assert policy.trusted_assessor_domain(entry, email) == expected, email
    people.owner.email = "owner@nhs.net"
    db.session.commit()
    assert policy.trusted_assessor_domain(entry, "OWNER@nhs.net") is None  # the trainee's own address never vouches


def test_untrusted_assessor_waits_for_the_educational_supervisor_who_confirms_it(client, login, smtp):
    people = cast()
    trust(people, "nhs.net")
    entry = DopsFactory(trainee=people.owner)
    signoff = _assessor_signs(client, login, people, entry, "locum@pain-clinic.example", smtp)
    assert signoff.assurance == "unconfirmed" and signoff.voided_at is None
    assert db.session.get(EvidenceEntry, entry.id).status == "submitted"
    assert _tally_statuses(people.owner.id) == {"submitted"}  # progress shows it as submitted, not signed
    assert db.session.scalar(select(SignOffRequest.status).where(SignOffRequest.evidence_id == entry.id)) == "signed"
    assert _payload("signoff.signed")["assurance"] == "unconfirmed"
    asked = db.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "signoff.confirm")).all()
    assert [m.user_id for m in asked] == [people.supervisor.id]  # the current educational supervisor, nobody else

    login(people.owner)
    page = client.get(f"/logbook/{entry.id}").data.decode()
    assert "awaiting confirmation by the educational supervisor, so it does not count yet" in page
    edit = client.get(f"/logbook/{entry.id}/edit")
    assert edit.status_code == 302 and edit.headers["Location"].endswith(f"/logbook/{entry.id}")
    from tests.app.logbook.helpers import form_data

    refused = client.post(
        f"/logbook/{entry.id}/edit", data=form_data(title="Changed under the assessor", competencies=list(entry.competency_codes))
    )
    assert refused.status_code == 409 and "Changed under the assessor" in refused.data.decode()
    assert client.post(f"/signoff/signatures/{signoff.id}/confirm", data={"decision": "confirm"}).status_code == 403
    client.post("/logout")

    for outsider in (people.unassigned_supervisor, people.ended_supervisor, people.director):
        login(outsider)
        assert client.post(f"/signoff/signatures/{signoff.id}/confirm", data={"decision": "confirm"}).status_code == 403
        client.post("/logout")
    clinical = SupervisorFactory()
    assign(clinical, people.owner, kind="clinical")
    assert not policy.can_confirm_assessor_signature(clinical, signoff)
    db.session.expire_all()
    assert db.session.get(SignOff, signoff.id).assurance == "unconfirmed"

    login(people.supervisor)
    queue = client.get("/signoff/").data.decode()
    assert "signatures to confirm" in queue and "Dr Visiting Consultant" in queue and "locum@pain-clinic.example" in queue
    assert client.post(f"/signoff/signatures/{signoff.id}/confirm", data={"decision": "confirm"}).status_code == 302
    db.session.expire_all()
    signoff = db.session.get(SignOff, signoff.id)
    assert signoff.assurance == "confirmed" and signoff.confirmed_by_id == people.supervisor.id and signoff.confirmed_at
    assert db.session.get(EvidenceEntry, entry.id).status == "signed" and _tally_statuses(people.owner.id) == {"signed"}
    assert _payload("signoff.confirmed") == {
        "signoff_id": signoff.id,
        "evidence_id": entry.id,
        "confirmed_by_id": people.supervisor.id,
        "assurance": "confirmed",
    }
    assert "confirmed by Dr Assigned Supervisor (educational supervisor) on" in signature_label(signoff)
    again = client.post(f"/signoff/signatures/{signoff.id}/confirm", data={"decision": "decline", "reason": "Late"})
    assert again.status_code == 302 and db.session.get(SignOff, signoff.id).voided_at is None


def test_declining_voids_the_signature_and_returns_the_evidence_with_the_reason(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff = _assessor_signs(client, login, people, entry, "someone@mail.example", smtp)
    login(people.supervisor)
    missing = client.post(f"/signoff/signatures/{signoff.id}/confirm", data={"decision": "decline", "reason": ""})
    assert missing.status_code == 400 and "Enter the reason for declining" in missing.data.decode()
    reason = "I do not know this assessor; ask a consultant from our department."
    assert (
        client.post(f"/signoff/signatures/{signoff.id}/confirm", data={"decision": "decline", "reason": reason}).status_code
        == 302
    )
    db.session.expire_all()
    signoff = db.session.get(SignOff, signoff.id)
    assert signoff.voided_at is not None and signoff.void_reason == reason and signoff.assurance == "unconfirmed"
    assert db.session.get(EvidenceEntry, entry.id).status == "returned"
    assert _payload("signoff.voided") == {
        "signoff_id": signoff.id,
        "evidence_id": entry.id,
        "reason": reason,
        "content_hash": signoff.content_hash,
    }
    client.post("/logout")
    login(people.owner)
    assert reason in client.get(f"/logbook/{entry.id}").data.decode()
    assert client.get(f"/signoff/request/{entry.id}").status_code == 200  # they can ask again


def test_a_supervisors_signature_says_so_and_its_payload_follows_the_contract(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    response = client.post(
        f"/signoff/requests/{signoff_request.id}/decide",
        data={"decision": "sign", "supervision_level": "3", "feedback": "", "seen_hash": seen},
    )
    assert response.status_code == 302
    signoff = db.session.scalar(select(SignOff))
    payload = _payload("signoff.signed")
    assert set(payload) == SIGNED_KEYS and payload["assurance"] == "supervisor" == signoff.assurance
    assert payload["signer_id"] == people.supervisor.id and payload["feedback_sha256"] == hashlib.sha256(b"").hexdigest()
    assert signature_label(signoff) == "Signed by Dr Assigned Supervisor, assigned supervisor"
    assert (
        "Signed by Dr Assigned Supervisor, assigned supervisor"
        in client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    )


def test_nobody_signs_their_own_evidence_by_an_assessor_link(client, login, smtp):
    people = cast(owner_email="tamsin.owner@nhs.net")
    trust(people, "nhs.net")
    entry = DopsFactory(trainee=people.owner)
    login(people.owner)
    own = client.post(f"/signoff/request/{entry.id}", data={"recipient": "assessor", "assessor_email": "Tamsin.Owner@NHS.net"})
    assert own.status_code == 400 and "cannot sign off your own evidence" in own.data.decode()
    assert db.session.query(SignOffRequest).count() == 0
    client.post("/logout")
    # A request to the trainee's own address that exists anyway (made before the rule, or by SQL) is still refused.
    token = "own-address-token-0123456789-0123456789-abc"
    entry.status = "submitted"
    AssessorLinkFactory(evidence=entry, assessor_email="TAMSIN.OWNER@nhs.net", token=token)
    assert client.get(f"/signoff/assessor/{token}").status_code == 403
    refused = assessor_decides(client, token, seen_hash=entry.compute_content_hash())
    assert refused.status_code == 403 and db.session.query(SignOff).count() == 0
    assert db.session.get(EvidenceEntry, entry.id).status == "submitted"
