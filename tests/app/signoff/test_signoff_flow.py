"""Asking, signing, returning and withdrawing: statuses, progress, audit and outbox move together; races end cleanly."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import DopsFactory, SupervisorFactory, assign
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import (
    AuditRecord,
    EvidenceEntry,
    EvidenceTally,
    OutboxMessage,
    SignOff,
    SignOffRequest,
    StageSignOff,
    TraineeProgress,
)


def _tally(trainee_id, status):
    return sum(
        t.count
        for t in db.session.scalars(
            select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id, EvidenceTally.status == status)
        )
    )


def _actions(trainee_id):
    return [
        (r.action, json.loads(r.payload))
        for r in db.session.scalars(select(AuditRecord).where(AuditRecord.trainee_id == trainee_id).order_by(AuditRecord.id))
    ]


def test_request_offers_only_current_supervisors_and_notifies_the_chosen_one(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    login(people.owner)
    page = client.get(f"/signoff/request/{entry.id}").data.decode()
    assert people.supervisor.name in page
    assert people.ended_supervisor.name not in page and people.unassigned_supervisor.name not in page
    refused = client.post(f"/signoff/request/{entry.id}", data={"recipient": str(people.unassigned_supervisor.id)})
    assert refused.status_code == 400 and "Not a valid choice" in refused.data.decode()
    response = client.post(f"/signoff/request/{entry.id}", data={"recipient": str(people.supervisor.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).status == "submitted"
    assert _tally(people.owner.id, "submitted") == 1 and _tally(people.owner.id, "draft") == 0
    action, payload = _actions(people.owner.id)[-1]
    assert action == "signoff.requested" and payload["evidence_id"] == entry.id and payload["to"] == people.supervisor.email
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == people.supervisor.id))
    assert entry.title in mail.subject and "/signoff/requests/" in mail.body


def test_asking_twice_sends_the_trainee_to_the_pending_request(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    request_via_app(client, login, people, entry)
    login(people.owner)
    again = client.post(f"/signoff/request/{entry.id}", data={"recipient": str(people.supervisor.id)})
    assert again.status_code == 302 and "/signoff/requests/" in again.headers["Location"]
    assert db.session.query(SignOffRequest).filter_by(evidence_id=entry.id).count() == 1


def test_outside_assessor_needs_an_email_and_not_the_trainees_own(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    login(people.owner)
    missing = client.post(f"/signoff/request/{entry.id}", data={"recipient": "assessor", "assessor_email": ""})
    assert missing.status_code == 400 and "Enter the outside assessor" in missing.data.decode()
    own = client.post(f"/signoff/request/{entry.id}", data={"recipient": "assessor", "assessor_email": people.owner.email})
    assert own.status_code == 400 and "cannot sign off your own evidence" in own.data.decode()
    assert people.owner.email in own.data.decode()  # what was typed is kept


def test_supervisor_signs_and_the_signature_covers_the_content(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    page = client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    assert entry.title in page and entry.competency_codes[0] in page
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    response = client.post(
        f"/signoff/requests/{signoff_request.id}/decide",
        data={"decision": "sign", "supervision_level": "3", "feedback": "Good technique.", "seen_hash": seen},
    )
    assert response.status_code == 302
    db.session.expire_all()
    entry = db.session.get(EvidenceEntry, entry.id)
    signoff = db.session.scalar(select(SignOff).where(SignOff.request_id == signoff_request.id))
    assert entry.status == "signed" and entry.supervision_level == "3"
    assert signoff.content_hash == entry.compute_content_hash() == entry.content_hash
    assert signoff.signer_id == people.supervisor.id and signoff.feedback == "Good technique."
    assert _tally(people.owner.id, "signed") == 1 and _tally(people.owner.id, "submitted") == 0
    action, payload = _actions(people.owner.id)[-1]
    assert action == "signoff.signed" and payload["content_hash"] == signoff.content_hash and payload["signoff_id"] == signoff.id
    trainee_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == people.owner.id))
    assert trainee_mail.category == "signoff.signed" and "Good technique." in trainee_mail.body


def test_double_submit_leaves_one_signature_and_says_so(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    data = {
        "decision": "sign",
        "supervision_level": "2b",
        "seen_hash": db.session.get(EvidenceEntry, entry.id).compute_content_hash(),
    }
    assert client.post(f"/signoff/requests/{signoff_request.id}/decide", data=data).status_code == 302
    second = client.post(f"/signoff/requests/{signoff_request.id}/decide", data=data, follow_redirects=True)
    assert second.status_code == 200 and "already signed" in second.data.decode()
    assert db.session.query(SignOff).filter_by(request_id=signoff_request.id).count() == 1
    assert [a for a, _ in _actions(people.owner.id)].count("signoff.signed") == 1


def test_a_race_past_the_page_check_is_refused_by_the_conditional_update(client, login):
    from trainee_portal.signoff import services

    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    services.sign(signoff_request, level="2b", feedback="", seen_hash=seen, decider=people.supervisor)
    db.session.commit()
    stale = db.session.get(SignOffRequest, signoff_request.id)
    db.session.expire_all()
    stale.status = "pending"  # what a second worker that loaded the row earlier still believes
    try:
        services.return_to_trainee(stale, reason="Late", decider=people.supervisor)
        raised = False
    except services.SignOffConflict:
        raised = True
    db.session.rollback()
    assert raised
    assert db.session.get(SignOffRequest, signoff_request.id).status == "signed"


def test_changed_evidence_is_not_signed_blind(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    db.session.get(EvidenceEntry, entry.id).notes = "Edited while the supervisor was reading."
    db.session.commit()
    login(people.supervisor)
    response = client.post(
        f"/signoff/requests/{signoff_request.id}/decide",
        data={"decision": "sign", "supervision_level": "2b", "seen_hash": seen},
        follow_redirects=True,
    )
    assert "changed this evidence after you opened it" in response.data.decode()
    assert db.session.query(SignOff).count() == 0


def test_return_needs_a_reason_without_patient_identifiers_and_the_trainee_sees_it(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    url = f"/signoff/requests/{signoff_request.id}/decide"
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    empty = client.post(url, data={"decision": "return", "reason": "", "seen_hash": seen})
    assert empty.status_code == 400 and "Enter the reason" in empty.data.decode()
    leaky = client.post(url, data={"decision": "return", "reason": "Patient NHS number 943 476 5919 seen", "seen_hash": seen})
    assert leaky.status_code == 400 and "943 476 5919" in leaky.data.decode() and "NHS number" in leaky.data.decode()
    no_level = client.post(url, data={"decision": "sign", "seen_hash": seen})
    assert no_level.status_code == 400 and "Choose the supervision level" in no_level.data.decode()
    assert (
        client.post(url, data={"decision": "return", "reason": "Add the follow-up outcome.", "seen_hash": seen}).status_code
        == 302
    )
    client.post("/logout")
    login(people.owner)
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).status == "returned"
    assert _tally(people.owner.id, "draft") == 1
    assert "Add the follow-up outcome." in client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    assert "Add the follow-up outcome." in client.get("/signoff/mine").data.decode()
    assert _actions(people.owner.id)[-1][0] == "signoff.returned"
    again = client.post(f"/signoff/request/{entry.id}", data={"recipient": str(people.supervisor.id)})
    assert again.status_code == 302  # returned → submitted again


def test_trainee_withdraws_a_pending_request(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    login(people.owner)
    assert client.post(f"/signoff/requests/{signoff_request.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(SignOffRequest, signoff_request.id).status == "cancelled"
    assert db.session.get(EvidenceEntry, entry.id).status == "draft"
    assert _tally(people.owner.id, "draft") == 1 and _tally(people.owner.id, "submitted") == 0
    assert _actions(people.owner.id)[-1][0] == "signoff.cancelled"
    twice = client.post(f"/signoff/requests/{signoff_request.id}/cancel", follow_redirects=True)
    assert "already cancelled" in twice.data.decode()


def test_queue_lists_pending_requests_oldest_first_with_wait_days(client, login):
    people = cast()
    newer, older = DopsFactory(trainee=people.owner, title="Newer item"), DopsFactory(trainee=people.owner, title="Older item")
    today = DopsFactory(trainee=people.owner, title="Sent today")
    for entry, days in ((today, 0), (newer, 2), (older, 20)):
        r = request_via_app(client, login, people, entry)
        r.created_at = r.created_at - timedelta(days=days)
    db.session.commit()
    login(people.supervisor)
    page = client.get("/signoff/").data.decode()
    assert page.index("Older item") < page.index("Newer item")
    assert "20 days" in page and "2 days" in page
    assert "Since today" in page and not re.search(r"(?<!\d)0 days", page)


def test_queue_drops_requests_once_the_assignment_ends(client, login):
    people = cast()
    former = SupervisorFactory()
    assignment = assign(former, people.owner)
    entry = DopsFactory(trainee=people.owner, title="Left behind")
    request_via_app(client, login, people, entry, recipient=str(former.id))
    assignment.ends_on = clock.today() - timedelta(days=1)
    db.session.commit()
    login(former)
    assert "Left behind" not in client.get("/signoff/").data.decode()


def test_stage_sign_off_is_offered_only_when_the_core_says_ready(client, login):
    from trainee_portal.summaries import progress

    people = cast()
    people.owner.trainee_profile.curriculum_version = "2010"  # a 2021 stage closes by its HALO instead (below)
    progress.refresh_trainee(people.owner.id)  # the core's verdict per stage, as every evidence write leaves it
    db.session.commit()
    login(people.supervisor)
    progress_row = db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == people.owner.id)).first()
    assert progress_row is not None
    url = f"/signoff/stage/{people.owner.id}/{progress_row.stage_key}"
    assert "cannot be signed off yet" in client.get(url).data.decode()
    assert client.post(url, data={"signed_on": clock.today().isoformat()}).status_code == 400
    assert db.session.query(StageSignOff).count() == 0
    progress_row.ready_for_signoff = True  # stands in for a stage whose every rule the core found met
    db.session.commit()
    assert progress_row.stage_key in client.get("/signoff/").data.decode()
    future = client.post(url, data={"signed_on": (clock.today() + timedelta(days=2)).isoformat()})
    assert future.status_code == 400 and "cannot be in the future" in future.data.decode()
    assert client.post(url, data={"signed_on": clock.today().isoformat(), "comment": "Well done."}).status_code == 302
    stage_signoff = db.session.scalar(select(StageSignOff))
    assert stage_signoff.signed_on == clock.today() and stage_signoff.signed_by_id == people.supervisor.id
    assert _actions(people.owner.id)[-1][0] == "stage.signed_off"
    assert "was signed off on" in client.get(url).data.decode()
    assert client.post(url, data={"signed_on": clock.today().isoformat()}).status_code == 400
    assert db.session.query(StageSignOff).count() == 1


def test_a_2021_stage_is_closed_by_its_halo_never_by_the_supervisors_sign_off(client, login):
    from trainee_portal.summaries import progress

    people = cast()
    progress.refresh_trainee(people.owner.id)
    row = db.session.get(TraineeProgress, (people.owner.id, "stage-3"))
    row.ready_for_signoff = True  # even a row claiming every rule met
    db.session.commit()
    login(people.supervisor)
    url = f"/signoff/stage/{people.owner.id}/stage-3"
    assert "is completed by its HALO" in client.get(url).data.decode()
    assert client.post(url, data={"signed_on": clock.today().isoformat()}).status_code == 400
    assert db.session.query(StageSignOff).count() == 0


def test_clinical_supervisor_cannot_sign_off_a_stage(client, login):
    people = cast()
    clinical = SupervisorFactory()
    assign(clinical, people.owner, kind="clinical")
    login(clinical)
    assert client.get(f"/signoff/stage/{people.owner.id}/stage-3").status_code == 403
