"""The new-entry form saves its entry outside the session (services.create(attach=False)): the write spares the
session's bookkeeping while it holds the database, and the commit has nothing of it to expire. What is stored, what
the audit record says and what a later use of the entry sees must be exactly what the usual create gives."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect

from tests.app.logbook.helpers import CLINIC, PROCEDURES, form_data
from tests.factories import TraineeFactory
from trainee_portal import audit, curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import services as service
from trainee_portal.models import AuditRecord, EvidenceCompetency, EvidenceEntry, TraineeProfile, User


def _create(trainee, attach: bool, **values):
    user, profile = db.session.get(User, trainee.id), db.session.get(TraineeProfile, trainee.id)
    sent = form_data(competencies=[CLINIC, PROCEDURES]) | {"occurred_on": date(2026, 11, 2)} | values
    return service.create(user, profile, curricula.curriculum(profile.curriculum_version), sent, None, attach=attach)


def _stored(entry_id: int):
    columns = [c for c in EvidenceEntry.__table__.columns if c.name not in ("id", "created_at", "updated_at")]
    row = db.session.execute(select(*columns).where(EvidenceEntry.id == entry_id)).one()
    codes = db.session.scalars(
        select(EvidenceCompetency.competency_code).where(EvidenceCompetency.evidence_id == entry_id).order_by("competency_code")
    ).all()
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.subject_type == "evidence", AuditRecord.subject_id == entry_id)
    ).one()
    return row._asdict(), codes, (record.action, record.trainee_id, record.payload)


def test_an_entry_saved_outside_the_session_is_stored_and_audited_as_the_usual_create_stores_it(app):
    trainee = TraineeFactory()
    kept = _create(trainee, attach=True, title="Clinic one")
    outside = _create(trainee, attach=False, title="Clinic one")
    assert sa_inspect(kept).persistent and sa_inspect(outside).transient
    assert outside.id is not None and outside.id != kept.id
    assert outside not in db.session
    db.session.commit()
    assert _stored(outside.id) == _stored(kept.id)
    assert audit.verify_chain().ok


def test_the_commit_leaves_an_entry_saved_outside_the_session_readable_without_a_query(app):
    """The form's redirect reads its title after the commit; nothing of it was expired, so no statement is sent."""
    trainee = TraineeFactory()
    entry = _create(trainee, attach=False, title="Clinic read after the commit")
    db.session.commit()
    sent = []
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert (entry.title, entry.competency_codes) == ("Clinic read after the commit", (CLINIC, PROCEDURES))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sent == []


def test_attach_puts_a_saved_entry_in_the_session_as_its_rows_and_leaves_one_already_there(app):
    """Sending the entry on for sign-off after the save (the form's "Save and send") needs it in the session: attach
    puts it there as the rows it is (no INSERT again at the next flush), its links with it."""
    trainee = TraineeFactory()
    entry = _create(trainee, attach=False)
    db.session.commit()
    assert service.attach(entry) is entry
    assert sa_inspect(entry).persistent
    assert all(sa_inspect(link).persistent for link in entry.competencies)
    entry.title = "Renamed after attaching"
    db.session.commit()  # an UPDATE of the stored row, not a second INSERT
    assert db.session.scalars(select(EvidenceEntry.title).where(EvidenceEntry.trainee_id == trainee.id)).all() == [
        "Renamed after attaching"
    ]
    assert service.attach(entry) is entry and sa_inspect(entry).persistent


def test_the_record_append_returns_is_the_row_it_wrote(app):
    """audit.append answers with the record as written (a plain object, not a mapped one): every column equals the
    stored row's, and its hash is the row's hash recomputed."""
    trainee = TraineeFactory()
    entry = _create(trainee, attach=False)
    written = audit.record("evidence.viewed", entry, {"why": "a test"}, actor=db.session.get(User, trainee.id))
    db.session.commit()
    stored = db.session.get(AuditRecord, written.id)
    for column in AuditRecord.__table__.columns:
        assert getattr(written, column.key) == getattr(stored, column.key), column.key
    assert audit.record_hash(stored) == written.record_hash
    assert audit.verify_chain().ok


def test_a_new_entry_reads_the_audit_head_only_where_its_append_uses_what_it_read(app):
    """SQLite's append follows the head the write's activity update answered with (audit.expect_head), so that
    update reads it; PostgreSQL's append reads the head under its lock in its own one statement, so no other statement
    of the write touches the head."""
    trainee = TraineeFactory()
    _create(trainee, attach=False, title="Clinic before")  # the chain's first record
    db.session.commit()
    sent = []
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _create(trainee, attach=False, title="Clinic timed")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    db.session.commit()
    touching = [statement for statement in sent if "audit_head" in statement]
    if db.engine.dialect.name == "postgresql":
        assert len(touching) == 1 and "INSERT INTO audit_record" in touching[0]
    else:
        assert [s.split()[0:2] for s in touching] == [["UPDATE", "trainee_profile"], ["UPDATE", "audit_head"]]
    assert audit.verify_chain().ok
