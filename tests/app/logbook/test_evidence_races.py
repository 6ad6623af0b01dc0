"""No edit races, no lost updates: an edit and a signature on one entry never both land, a signature always covers
what the signer saw, a stale form is refused with both versions shown, and waiting evidence is withdrawn by an edit."""

from __future__ import annotations

import re
from collections import Counter
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.app.logbook.helpers import form_data
from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import DopsFactory, EvidenceFactory, TraineeFactory
from tests.support.races import contend, race
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import services as service
from trainee_portal.models import AuditRecord, EvidenceEntry, OutboxMessage, SignOff, SignOffRequest, User
from trainee_portal.signoff import services

PAIRS = 100
RACE = (service.StaleEvidence, services.SignOffConflict, OperationalError, IntegrityError)


def _row_version(page: str) -> str:
    return re.search(r'name="row_version"[^>]*value="(\d+)"', page).group(1)


def _waiting_dops_open_for_edit(client, login):
    """A DOPS waiting on its supervisor's sign-off (asked through the app), and its edit form as the owner opens it;
    returns (people, entry, request, the form's HTML)."""
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    login(people.owner)
    return people, entry, signoff_request, client.get(f"/logbook/{entry.id}/edit").get_data(as_text=True)


def _dops_edit(entry, form: str, title: str) -> dict:
    """The DOPS edit form as the browser sends it, with a new title, from the page it was opened on."""
    return form_data(
        title=title,
        competencies=list(entry.competency_codes),
        evidence_type="wba.dops",
        technique="medial_branch_block",
        guidance="xray",
        row_version=_row_version(form),
    )


def test_two_tabs_the_second_save_is_refused_with_both_versions_and_nothing_lost(client, login):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee, title="Pain clinic", notes="First notes")
    login(trainee)
    first_tab = _row_version(client.get(f"/logbook/{entry.id}/edit").get_data(as_text=True))
    second_tab = _row_version(client.get(f"/logbook/{entry.id}/edit").get_data(as_text=True))
    assert first_tab == second_tab
    saved = client.post(
        f"/logbook/{entry.id}/edit", data=form_data(title="Title from tab one", notes="Notes from tab one", row_version=first_tab)
    )
    assert saved.status_code == 302
    stale = client.post(
        f"/logbook/{entry.id}/edit",
        data=form_data(title="Title from tab two", notes="Notes from tab two", row_version=second_tab),
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "changed after you opened it" in page
    assert "Title from tab one" in page and "Notes from tab one" in page  # what is saved now
    assert page.count("Notes from tab two") >= 2  # what they typed: in the comparison and still in the form
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).notes == "Notes from tab one"
    # Saving again from the refusal page replaces the saved version knowingly.
    again = client.post(
        f"/logbook/{entry.id}/edit",
        data=form_data(title="Title from tab two", notes="Notes from tab two", row_version=_row_version(page)),
    )
    assert again.status_code == 302
    db.session.expire_all()
    stored = db.session.get(EvidenceEntry, entry.id)
    assert stored.notes == "Notes from tab two" and stored.row_version == int(first_tab) + 2
    assert client.post(f"/logbook/{entry.id}/edit", data=form_data(row_version="")).status_code == 400


def test_editing_waiting_evidence_withdraws_its_request_in_the_same_save(client, login):
    people, entry, signoff_request, form = _waiting_dops_open_for_edit(client, login)
    assert "Saving your changes withdraws that request" in form and "Dr Assigned Supervisor" in form
    data = _dops_edit(entry, form, "Block with the outcome added")
    assert client.post(f"/logbook/{entry.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(SignOffRequest, signoff_request.id).status == "cancelled"
    stored = db.session.get(EvidenceEntry, entry.id)
    assert stored.status == "draft" and stored.title == "Block with the outcome added" and stored.submitted_at is None
    assert db.session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.category == "signoff.cancelled", OutboxMessage.user_id == people.supervisor.id
        )
    )
    actions = db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions[-2:] == ["signoff.cancelled", "evidence.updated"]


def test_an_edit_after_the_request_was_decided_is_refused_and_keeps_the_text(client, login):
    people, entry, signoff_request, form = _waiting_dops_open_for_edit(client, login)
    services.sign(signoff_request, level="3", feedback="", seen_hash=entry.compute_content_hash(), decider=people.supervisor)
    db.session.commit()
    data = _dops_edit(entry, form, "Typed while it was being signed")
    refused = client.post(f"/logbook/{entry.id}/edit", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Typed while it was being signed" in page and "signed off" in page
    db.session.expire_all()
    stored = db.session.get(EvidenceEntry, entry.id)
    signoff = db.session.scalar(select(SignOff))
    assert stored.status == "signed" and stored.title == "Medial branch block"
    assert signoff.content_hash == stored.compute_content_hash()


def test_every_write_moves_the_row_version_on(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    versions = [db.session.get(EvidenceEntry, entry.id).row_version]

    def now():
        db.session.expire_all()
        versions.append(db.session.get(EvidenceEntry, entry.id).row_version)

    first = services.request_signoff(people.owner, entry, supervisor=people.supervisor)
    db.session.commit()
    now()  # noqa: E702
    services.return_to_trainee(first, reason="Add the outcome", decider=people.supervisor)
    db.session.commit()
    now()  # noqa: E702
    second = services.request_signoff(people.owner, db.session.get(EvidenceEntry, entry.id), supervisor=people.supervisor)
    db.session.commit()
    now()  # noqa: E702
    services.cancel(people.owner, second)
    db.session.commit()
    now()  # noqa: E702
    third = services.request_signoff(people.owner, db.session.get(EvidenceEntry, entry.id), supervisor=people.supervisor)
    db.session.commit()
    now()  # noqa: E702
    stored = db.session.get(EvidenceEntry, entry.id)
    services.sign(third, level="3", feedback="", seen_hash=stored.compute_content_hash(), decider=people.supervisor)
    db.session.commit()
    now()  # noqa: E702
    service.new_version(people.owner, db.session.get(EvidenceEntry, entry.id))
    db.session.commit()
    now()  # noqa: E702
    assert versions == list(range(versions[0], versions[0] + 8))  # seven writes, seven steps


def _pair_setup(people, index: int) -> tuple[int, int, str, int]:
    entry = DopsFactory(trainee=people.owner, title=f"Block {index}")
    signoff_request = services.request_signoff(people.owner, entry, supervisor=people.supervisor)
    db.session.commit()
    stored = db.session.get(EvidenceEntry, entry.id)
    return entry.id, signoff_request.id, stored.compute_content_hash(), stored.row_version


def _edit(app, trainee_id, evidence_id, row_version, start, *, outcomes, index):
    def step():
        trainee = db.session.get(User, trainee_id)
        entry = db.session.get(EvidenceEntry, evidence_id)
        profile = trainee.trainee_profile
        values = {name: getattr(entry, name) for name in service.FORM_FIELDS}
        values.update(competencies=list(entry.competency_codes), notes=f"Changed by the trainee in pair {index}")
        start.wait()
        service.update(trainee, entry, profile, curricula.curriculum(profile.curriculum_version), values, None, row_version)

    contend(app, outcomes[index], "edit", RACE, step)


def _sign(app, supervisor_id, request_id, seen_hash, start, *, outcomes, index):
    def step():
        supervisor = db.session.get(User, supervisor_id)
        signoff_request = db.session.get(SignOffRequest, request_id)
        signoff_request.evidence  # noqa: B018 (loaded before the race, as the open page had it)
        start.wait()
        services.sign(signoff_request, level="3", feedback="Seen as it was", seen_hash=seen_hash, decider=supervisor)

    contend(app, outcomes[index], "sign", RACE, step)


def test_concurrent_edit_and_sign_pairs_leave_no_signature_over_unseen_content(app):
    """The attack: the trainee saves an edit at the moment the supervisor signs. 100 pairs, each two threads with
    their own sessions and connections released together; afterwards every live signature covers exactly the
    entry's current content, and no pair has both an edit and a signature."""
    people = cast()
    setups = [_pair_setup(people, index) for index in range(PAIRS)]
    outcomes = [{} for _ in range(PAIRS)]
    for index, (evidence_id, request_id, seen_hash, row_version) in enumerate(setups):
        race(
            partial(_edit, app, people.owner.id, evidence_id, row_version, outcomes=outcomes, index=index),
            partial(_sign, app, people.supervisor.id, request_id, seen_hash, outcomes=outcomes, index=index),
        )
    db.session.expire_all()
    results = Counter()
    for (evidence_id, request_id, _seen_hash, _), outcome in zip(setups, outcomes):
        entry = db.session.get(EvidenceEntry, evidence_id)
        live = db.session.scalars(select(SignOff).where(SignOff.evidence_id == evidence_id, SignOff.voided_at.is_(None))).all()
        request_status = db.session.get(SignOffRequest, request_id).status
        assert not (outcome.get("edit") and outcome.get("sign")), outcome
        if outcome.get("sign"):
            assert entry.status == "signed" and request_status == "signed" and len(live) == 1
            assert live[0].content_hash == entry.compute_content_hash() == entry.content_hash
            assert "Changed by the trainee" not in entry.notes
            results["signed"] += 1
        elif outcome.get("edit"):
            assert entry.status == "draft" and request_status == "cancelled" and not live
            assert entry.notes.startswith("Changed by the trainee") and entry.content_hash == entry.compute_content_hash()
            results["edited"] += 1
        else:
            assert entry.status == "submitted" and request_status == "pending" and not live
            results["neither"] += 1
    signatures = db.session.scalars(select(SignOff).where(SignOff.voided_at.is_(None))).all()
    mismatched = [
        s.id for s in signatures if s.content_hash != db.session.get(EvidenceEntry, s.evidence_id).compute_content_hash()
    ]
    print(
        f"\n{PAIRS} edit/sign pairs on {db.engine.dialect.name}: {dict(results)}; signatures over unseen content: {len(mismatched)}"
    )
    assert mismatched == [] and sum(results.values()) == PAIRS and results["signed"] + results["edited"] >= PAIRS // 2
