"""Every evidence write takes its locks in one order: its tally rows, then the trainee's row, then the audit chain's
head (its audit records come last, after its summaries). A write that took the head first (an audit record before
its summaries) and then waited for a tally row, while a new entry of the same trainee held the trainee's row and
waited for the head, deadlocked on PostgreSQL and one of the two saves failed ("The service is busy"). Each such
write is raced here against a new entry while another transaction holds the tally row it needs; on SQLite, which
lets one transaction write at a time, the same race must simply let both through."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.app.logbook.helpers import CLINIC, PROCEDURES, form_data
from tests.factories import EvidenceFactory, SignOffFactory, SignOffRequestFactory, TraineeFactory
from tests.support.races import one_behind_the_other
from trainee_portal import audit, curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import services as service
from trainee_portal.models import EvidenceEntry, EvidenceTally, EvidenceWeek, SignOffRequest, TraineeProfile, User
from trainee_portal.signoff import services as signoff_services
from trainee_portal.summaries import progress


def _summaries() -> tuple:
    db.session.expire_all()
    return tuple(
        db.session.execute(select(table.__table__).order_by(*table.__table__.primary_key)).all()
        for table in (EvidenceTally, EvidenceWeek)
    )


def _new_version(trainee_id: int):
    entry = EvidenceFactory(trainee=db.session.get(User, trainee_id), codes=(PROCEDURES,), title="Signed clinic")
    SignOffFactory(evidence=entry)
    entry_id = entry.id
    return lambda: service.new_version(db.session.get(User, trainee_id), db.session.get(EvidenceEntry, entry_id))


def _waiting_request(trainee_id: int) -> int:
    entry = EvidenceFactory(trainee=db.session.get(User, trainee_id), codes=(PROCEDURES,), status="submitted")
    return SignOffRequestFactory(evidence=entry).id


def _cancel(trainee_id: int):
    request_id = _waiting_request(trainee_id)
    return lambda: signoff_services.cancel(db.session.get(User, trainee_id), db.session.get(SignOffRequest, request_id))


def _edit(trainee_id: int):
    request_id = _waiting_request(trainee_id)

    def edit():
        entry = db.session.get(SignOffRequest, request_id).evidence
        profile = db.session.get(TraineeProfile, trainee_id)
        values = form_data(competencies=[PROCEDURES], title="Clinic, corrected") | {"occurred_on": entry.occurred_on}
        curriculum = curricula.curriculum(profile.curriculum_version)
        service.update(db.session.get(User, trainee_id), entry, profile, curriculum, values, None, entry.row_version)

    return edit


@pytest.mark.parametrize("write", [_new_version, _cancel, _edit], ids=["new version", "request withdrawn", "edit withdraws"])
def test_a_write_with_an_audit_record_and_a_new_entry_of_one_trainee_both_go_through(app, write):
    postgresql = db.engine.dialect.name == "postgresql"
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee, codes=(PROCEDURES,))  # a draft: the tally row the write moves its entry to
    audit.append("test.seed", subject_type="user", subject_id=trainee.id, payload={})  # the chain has a head
    db.session.commit()
    trainee_id = trainee.id
    job = write(trainee_id)
    db.session.commit()
    drafts = select(EvidenceTally).where(
        EvidenceTally.trainee_id == trainee_id, EvidenceTally.competency_code == PROCEDURES, EvidenceTally.status == "draft"
    )
    blocker = db.engine.connect()  # another transaction holding the draft tally row the write needs
    if postgresql:
        blocker.execute(drafts.with_for_update())
    else:
        blocker.execute(
            EvidenceTally.__table__.update().where(EvidenceTally.trainee_id == trainee_id).values(count=EvidenceTally.count)
        )

    def create():
        user, profile = db.session.get(User, trainee_id), db.session.get(TraineeProfile, trainee_id)
        values = form_data(competencies=[CLINIC]) | {"occurred_on": date.today()}
        service.create(user, profile, curricula.curriculum(profile.curriculum_version), values, None)

    # On PostgreSQL the write waits for the tally row, holding what it took before it; then the new entry starts.
    failures, done = one_behind_the_other(app, job, create, blocker)
    assert not failures, failures
    assert done == {"first": True, "second": True}
    maintained = _summaries()
    progress.recompute_all()
    db.session.commit()
    assert _summaries() == maintained
    assert audit.verify_chain().ok
