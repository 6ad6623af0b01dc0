"""Review fixes: file names holding patient identifiers are refused, a new version cannot fork, every write is audited."""

from __future__ import annotations

import hashlib
import io
import json
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.app.logbook.helpers import CLINIC, PDF_BYTES, form_data, post_certificate
from tests.factories import EvidenceFactory, SignOffFactory, SupervisorFactory, TraineeFactory
from tests.support import clock
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.logbook import csv_io
from trainee_portal.logbook import services as service
from trainee_portal.models import AuditRecord, EvidenceEntry, MockExamScore

IDENTIFYING_NAME = "John Smith NHS 9434765919 DOB 12-03-1956"
HEADER = "date,type,title,competencies,setting,hospital,supervision_level,technique,guidance,notes,reflection\n"


def _records():
    return [
        (r.action, json.loads(r.payload) if isinstance(r.payload, str) else r.payload)
        for r in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))
    ]


def _count(trainee):
    return db.session.scalar(select(func.count()).select_from(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id))


def test_a_certificate_whose_file_name_identifies_a_patient_is_refused_with_the_words_to_remove(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = post_certificate(client, f"{IDENTIFYING_NAME}.pdf", title="BLS certificate")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and _count(trainee) == 0
    assert "Rename the file" in page and "9434765919" in page and "DOB 12-03-1956" in page
    assert _records() == []


def test_a_certificate_with_a_plain_file_name_is_saved_and_audited(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = post_certificate(client, "BLS certificate March 2026.pdf", title="BLS certificate")
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(select(EvidenceEntry))
    assert entry.attachment_name == "BLS certificate March 2026.pdf"
    assert _records() == [
        (
            "evidence.created",
            {
                "evidence_type": "certificate",
                "version": 1,
                "content_hash": entry.content_hash,
                "attachment_sha256": entry.attachment_sha256,
            },
        )
    ]
    assert entry.attachment_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


def test_a_csv_whose_file_name_identifies_a_patient_is_refused_and_never_audited(client, login):
    trainee = TraineeFactory()
    login(trainee)
    day = clock.today().strftime("%d/%m/%Y")
    text = HEADER + f"{day},Clinic,Follow-up clinic,{CLINIC},outpatient,Salford Royal,2b,,,,\n"
    response = client.post(
        "/imports/new", data={"file": (io.BytesIO(text.encode()), f"{IDENTIFYING_NAME}.csv")}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Rename the file" in page and "9434765919" in page
    assert _count(trainee) == 0 and _records() == []


def test_the_import_command_refuses_an_identifying_file_name(app, tmp_path):
    trainee = TraineeFactory()
    path = tmp_path / "MRN 1234567 logbook.csv"
    path.write_text(HEADER + f"{clock.today():%d/%m/%Y},Clinic,Follow-up clinic,{CLINIC},outpatient,,2b,,,,\n")
    result = app.test_cli_runner().invoke(args=["import-logbook", str(path), "--trainee", trainee.email])
    assert result.exit_code == 2 and "Rename the file" in result.output
    assert _count(trainee) == 0 and _records() == []


def test_the_audit_payload_never_keeps_an_identifying_csv_name():
    assert "9434765919" not in csv_io.audited_name(f"{IDENTIFYING_NAME}.csv")
    assert csv_io.audited_name("logbook-2026.csv") == "logbook-2026.csv"


def test_a_second_new_version_of_the_same_entry_is_refused_and_makes_no_second_draft(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    entry = EvidenceFactory(trainee=trainee)
    SignOffFactory(evidence=entry, signer=supervisor)
    first = service.new_version(trainee, entry)
    db.session.commit()
    stale = db.session.get(EvidenceEntry, entry.id)
    db.session.expire(stale)
    # A second request that loaded the entry before the first committed still sees it as current in memory.
    stale.__dict__["superseded_at"] = None
    with pytest.raises(service.EvidenceError, match="newer version of this evidence already exists"):
        service.new_version(trainee, stale)
    db.session.rollback()
    assert _count(trainee) == 2 and first.version == 2

    login(trainee)  # the double click as the browser sends it: told plainly, and taken to the newer version
    response = client.post(f"/logbook/{entry.id}/new-version", follow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/logbook/{first.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A newer version of this evidence (version 2) already exists" in page
    assert _count(trainee) == 2


def test_the_database_refuses_two_versions_superseding_one_entry(app):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    entry = EvidenceFactory(trainee=trainee)
    SignOffFactory(evidence=entry, signer=supervisor)
    service.new_version(trainee, entry)
    db.session.commit()
    fork = EvidenceEntry(
        trainee_id=trainee.id,
        evidence_type="logbook.clinic",
        stage_level="higher",
        occurred_on=entry.occurred_on,
        title="Fork",
        status="draft",
        version=2,
        supersedes_id=entry.id,
    )
    db.session.add(fork)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_two_simultaneous_new_version_requests_make_one_draft(app):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    entry = EvidenceFactory(trainee=trainee)
    SignOffFactory(evidence=entry, signer=supervisor)
    entry_id, trainee_id = entry.id, trainee.id
    db.session.remove()
    barrier, outcomes = threading.Barrier(2), []

    def attempt():
        with app.app_context():
            try:
                old = db.session.get(EvidenceEntry, entry_id)
                user = db.session.get(type(trainee), trainee_id)
                assert old.is_current
                barrier.wait(timeout=10)
                service.new_version(user, old)
                db.session.commit()
                outcomes.append("made")
            except (service.EvidenceError, IntegrityError, OperationalError) as error:
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[-1] == "made" and outcomes.count("made") == 1, outcomes
    drafts = db.session.scalars(select(EvidenceEntry).where(EvidenceEntry.supersedes_id == entry_id)).all()
    assert len(drafts) == 1 and _count(trainee) == 2
    assert audit.verify_chain().ok


def test_editing_and_deleting_a_draft_are_audited_with_the_content_hash(client, login):
    trainee = TraineeFactory()
    login(trainee)
    assert client.post("/logbook/new", data=form_data(), content_type="multipart/form-data").status_code == 302
    entry = db.session.scalar(select(EvidenceEntry))
    created_hash = entry.content_hash
    response = client.post(
        f"/logbook/{entry.id}/edit", data=form_data(title="Clinic with a new title"), content_type="multipart/form-data"
    )
    assert response.status_code == 302
    db.session.expire_all()
    entry = db.session.get(EvidenceEntry, entry.id)
    updated_hash = entry.content_hash
    assert updated_hash != created_hash
    assert client.post(f"/logbook/{entry.id}/delete").status_code == 302
    assert _records() == [
        ("evidence.created", {"evidence_type": "logbook.clinic", "version": 1, "content_hash": created_hash}),
        ("evidence.updated", {"previous_hash": created_hash, "content_hash": updated_hash}),
        ("evidence.deleted", {"content_hash": updated_hash}),
    ]
    assert all(r.trainee_id == trainee.id and r.actor_id == trainee.id for r in db.session.scalars(select(AuditRecord)))
    assert audit.verify_chain().ok


def test_a_mock_exam_score_is_audited(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = client.post(
        "/exams/mock-scores/new",
        data={"part": "MCQ", "taken_on": clock.today().isoformat(), "title": "Regional mock", "score_percent": "64"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = db.session.scalar(select(MockExamScore))
    [record] = db.session.scalars(select(AuditRecord)).all()
    assert (record.action, record.actor_id, record.trainee_id, record.subject_id) == (
        "exam.mock_score_recorded",
        trainee.id,
        trainee.id,
        row.id,
    )
    assert _records()[0][1]["title"] == "Regional mock" and audit.verify_chain().ok
