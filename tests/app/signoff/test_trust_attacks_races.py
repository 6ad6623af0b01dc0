"""Races on an outside assessor's unconfirmed signature: the educational supervisor's confirm and decline at once (two
tabs, or two supervisors), and a confirm replayed after a decline. Exactly one decision lands; the other changes nothing."""

from __future__ import annotations

from collections import Counter
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.app.signoff.helpers import cast, signed_by_outside_assessor
from tests.factories import DopsFactory, SupervisorFactory, assign
from tests.support.races import contend, race
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, SignOff, User
from trainee_portal.signoff import services

PAIRS = 20
RACE = (services.SignOffConflict, OperationalError, IntegrityError)


def _unconfirmed(people, index: int) -> int:
    entry = DopsFactory(trainee=people.owner, title=f"Block {index}")
    signoff = signed_by_outside_assessor(entry, "locum@pain-clinic.example")
    assert signoff.assurance == "unconfirmed"
    return signoff.id


def _decide(app, supervisor_id, signoff_id, decision, start, *, outcomes, index):
    def step():
        supervisor, signoff = db.session.get(User, supervisor_id), db.session.get(SignOff, signoff_id)
        assert signoff.evidence is not None  # loaded before the race, as the route loads it
        start.wait()
        if decision == "confirm":
            services.confirm(supervisor, signoff)
        else:
            services.decline(supervisor, signoff, "Not known to us.")

    contend(app, outcomes[index], decision, RACE, step)


def test_concurrent_confirm_and_decline_land_exactly_one_decision(app):
    people = cast()
    second = SupervisorFactory()
    assign(second, people.owner, kind="educational")
    db.session.commit()
    ids = [_unconfirmed(people, index) for index in range(PAIRS)]
    outcomes = [{} for _ in range(PAIRS)]
    for index, signoff_id in enumerate(ids):
        race(
            partial(_decide, app, people.supervisor.id, signoff_id, "confirm", outcomes=outcomes, index=index),
            partial(_decide, app, second.id, signoff_id, "decline", outcomes=outcomes, index=index),
        )
    db.session.expire_all()
    tally = Counter()
    for signoff_id, outcome in zip(ids, outcomes):
        signoff = db.session.get(SignOff, signoff_id)
        entry = db.session.get(EvidenceEntry, signoff.evidence_id)
        assert sum(bool(v) for v in outcome.values()) == 1, outcome
        decisions = db.session.scalars(
            select(AuditRecord.action).where(
                AuditRecord.action.in_(("signoff.confirmed", "signoff.voided")), AuditRecord.subject_id == entry.id
            )
        ).all()
        if outcome["confirm"]:
            assert signoff.assurance == "confirmed" and signoff.voided_at is None and entry.status == "signed"
            assert decisions == ["signoff.confirmed"]
            tally["confirmed"] += 1
        else:
            assert signoff.assurance == "unconfirmed" and signoff.voided_at is not None and entry.status == "returned"
            assert signoff.confirmed_by_id is None and decisions == ["signoff.voided"]
            tally["declined"] += 1
    assert sum(tally.values()) == PAIRS


def test_a_confirm_replayed_after_a_decline_changes_nothing(client, login):
    people = cast()
    signoff_id = _unconfirmed(people, 0)
    login(people.supervisor)
    assert (
        client.post(
            f"/signoff/signatures/{signoff_id}/confirm", data={"decision": "decline", "reason": "Not known to us."}
        ).status_code
        == 302
    )
    replay = client.post(f"/signoff/signatures/{signoff_id}/confirm", data={"decision": "confirm"}, follow_redirects=True)
    assert "already confirmed or declined" in replay.data.decode()
    db.session.expire_all()
    signoff = db.session.get(SignOff, signoff_id)
    assert signoff.voided_at is not None and signoff.confirmed_by_id is None and signoff.assurance == "unconfirmed"
    assert db.session.get(EvidenceEntry, signoff.evidence_id).status == "returned"
