"""What the supervisor reads on a request's page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import EvidenceFactory, SignOffRequestFactory, SupervisorFactory, TraineeFactory, assign
from tests.support import clock
from tests.support.statements import page_statements
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import SignOff, SignOffRequest, TraineeProgress


def test_notes_keep_their_own_lines_and_nothing_before_them(client, login):
    people = cast()
    entry = EvidenceFactory(trainee=people.owner, notes="First line.\nSecond line.")
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    page = client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    # The line-keeping class sits on a span round the text itself, so the list's own white space adds no blank lines.
    assert re.search(r'<span class="app-preserve-lines">First line\.\n\s*Second line\.</span>', page)


def _unconfirmed_signature(entry, assessor: str, email: str) -> SignOff:
    """An outside assessor's signature through a link to an address the region does not trust: waiting for the
    educational supervisor's confirmation (the entry stays submitted)."""
    request = SignOffRequest(
        evidence_id=entry.id, requested_by_id=entry.trainee_id, assessor_email=email, status="signed", decided_at=clock.now()
    )
    db.session.add(request)
    db.session.flush()
    signoff = SignOff(
        evidence_id=entry.id,
        request_id=request.id,
        assessor_name=assessor,
        assessor_email=email,
        supervision_level="3",
        content_hash=entry.content_hash,
        assurance="unconfirmed",
        method="assessor_link",
    )
    db.session.add(signoff)
    db.session.commit()
    return signoff


def test_the_queue_sends_the_same_statements_empty_and_full(client, login):
    """Pending requests from several trainees, signatures to confirm and stages ready for sign-off each come from
    one query of the columns shown: the queue runs as many statements with nothing in it as with all of them."""
    supervisor = SupervisorFactory(name="Dr Queue Supervisor")
    trainees = [TraineeFactory(name=f"Dr Trainee {n}", profile__curriculum_version="2010") for n in range(4)]
    for trainee in trainees:
        assign(supervisor, trainee)
    login(supervisor)
    empty = page_statements(client, "/signoff/")
    for n, trainee in enumerate(trainees):
        for k in range(3):
            entry = EvidenceFactory(trainee=trainee, title=f"Clinic {n}.{k}", status="submitted")
            SignOffRequestFactory(evidence=entry, supervisor=supervisor, created_at=clock.now() - timedelta(days=20 + k))
    waiting = EvidenceFactory(trainee=trainees[0], title="Lumbar medial branch block", status="submitted")
    _unconfirmed_signature(waiting, "Dr Visiting Consultant", "locum@pain-clinic.example")
    ready = db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == trainees[1].id)).first()
    ready.ready_for_signoff = True
    db.session.commit()
    full = page_statements(client, "/signoff/")
    assert len(full) == len(empty), f"{len(empty)} statements with an empty queue, {len(full)} with a full one"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", client.get("/signoff/").get_data(as_text=True))).split())
    assert "12 requests waiting for you" in text and "Waiting 22 days Trainee Dr Trainee 3 Evidence Clinic 3.2" in text
    assert "Dr Trainee 0: Lumbar medial branch block , signed by Dr Visiting Consultant (locum@pain-clinic.example)" in text
    stage = curricula.curriculum("2010").stage(ready.stage_key)
    assert f"Dr Trainee 1: sign off {stage.name}" in text
