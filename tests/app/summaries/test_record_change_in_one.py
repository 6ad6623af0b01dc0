"""On PostgreSQL a change that only adds (a new entry) goes in one statement (progress.record_change: the entry and its
links, the tallies, the activity update, the weeks), its rows sent as JSON (platform.json_rows).

Its row locks must still be taken in the order every other write takes them, tallies before the trainee's row: a
write that took the trainee's row first and then waited for a tally row held by a write waiting for that trainee's
row would deadlock, and one of the two saves would fail. And what goes as JSON must come back exactly, never cut."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.app.logbook.helpers import CLINIC, form_data
from tests.factories import EvidenceFactory, TraineeFactory
from trainee_portal import audit, curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import services as service
from trainee_portal.models import EvidenceEntry, EvidenceTally, TraineeProfile, User
from trainee_portal.summaries import progress

pytestmark = pytest.mark.usefixtures("app")


def _waiting_for_a_lock(engine, pid: int) -> bool:
    with engine.connect() as conn:
        kind = conn.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
    return kind == "Lock"


def test_a_new_entry_takes_its_tally_rows_before_the_trainees_row(app):
    """Another write holds the tally row the new entry adds to. On PostgreSQL the save waits for that row with the
    trainee's row still free; on SQLite (one writer at a time) it waits for the other write to end. Either way it
    then goes through, and leaves what a recompute gives."""
    postgresql = db.engine.dialect.name == "postgresql"
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee, codes=(CLINIC,))  # a draft clinic: the next one adds to this tally row
    db.session.commit()
    trainee_id = trainee.id
    row = select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id, EvidenceTally.competency_code == CLINIC)
    held = db.session.scalars(row).one()
    key, count = (held.evidence_type, held.supervision_level, held.status), held.count
    db.session.rollback()

    blocker = db.engine.connect()  # another write holding the tally row the new entry adds to
    if postgresql:
        blocker.execute(row.with_for_update())
    else:
        blocker.execute(
            EvidenceTally.__table__.update().where(EvidenceTally.trainee_id == trainee_id).values(count=EvidenceTally.count)
        )
    saver_pid, started, failures = [], threading.Event(), []

    def save():
        with app.app_context():
            try:
                if postgresql:
                    saver_pid.append(db.session.connection().connection.dbapi_connection.info.backend_pid)
                user, profile = db.session.get(User, trainee_id), db.session.get(TraineeProfile, trainee_id)
                values = form_data(competencies=[CLINIC]) | {"occurred_on": date.today()}
                started.set()
                service.create(user, profile, curricula.curriculum(profile.curriculum_version), values, None)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                failures.append(error)
            finally:
                db.session.remove()

    saving = threading.Thread(target=save)
    saving.start()
    try:
        assert started.wait(30)
        if postgresql:
            deadline = time.monotonic() + 30
            while not _waiting_for_a_lock(db.engine, saver_pid[0]) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _waiting_for_a_lock(db.engine, saver_pid[0]), "the save never waited for the tally row"
            # While it waits for the tally row, the trainee's row is free: it has not been taken out of order.
            with db.engine.connect() as other:
                try:
                    other.execute(text("SELECT 1 FROM trainee_profile WHERE user_id = :id FOR UPDATE NOWAIT"), {"id": trainee_id})
                except OperationalError as error:
                    pytest.fail(f"the save took the trainee's row before its tally row: {error.orig}")
                other.rollback()
        else:
            time.sleep(0.5)
            assert saving.is_alive(), "the save went through while another write held the database"
    finally:
        blocker.rollback()
        blocker.close()
        saving.join(60)
    assert not failures and not saving.is_alive(), failures
    tally = db.session.scalars(row.where(EvidenceTally.evidence_type == key[0], EvidenceTally.status == key[2])).one()
    assert tally.count == count + 1
    maintained = db.session.execute(select(EvidenceTally.__table__).order_by(*EvidenceTally.__table__.primary_key)).all()
    progress.recompute_all()
    db.session.commit()
    assert db.session.execute(select(EvidenceTally.__table__).order_by(*EvidenceTally.__table__.primary_key)).all() == maintained
    assert audit.verify_chain().ok


def _create(trainee, **values):
    """A new entry through the service, as the new-entry page saves it (the trainee's request holds their profile)."""
    user, profile = db.session.get(User, trainee.id), db.session.get(TraineeProfile, trainee.id)
    sent = form_data(competencies=[CLINIC]) | {"occurred_on": date(2026, 11, 2)} | values
    return service.create(user, profile, curricula.curriculum(profile.curriculum_version), sent, None)


def test_a_new_entry_reads_back_as_it_was_sent_every_character_and_microsecond(app):
    """On PostgreSQL the entry goes as JSON within the change's statement (platform.json_rows): the text, the day and
    the times must come back exactly, quotes, backslashes, line breaks and characters beyond ASCII included; on
    SQLite the same through its own statements."""
    trainee = TraineeFactory()
    db.session.commit()
    text_sent = 'He said "it\'s 7/10" \\ then \\n not a break\nbut this is; café – 痛み ✓ 🙂 \u2028 end'
    entry = _create(trainee, title='Clinic "A" \\ B', notes=text_sent, hospital="St Thomas' \u00a0Hospital")
    sent = {name: getattr(entry, name) for name in ("title", "notes", "hospital", "occurred_on", "created_at", "updated_at")}
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(EvidenceEntry, entry.id)
    assert {name: getattr(stored, name) for name in sent} == sent
    assert list(stored.competency_codes) == [CLINIC] and stored.content_hash == stored.compute_content_hash()
    assert audit.verify_chain().ok


def test_a_value_too_long_for_its_column_is_refused_or_kept_whole_never_cut(app):
    """PostgreSQL refuses a text longer than its column as the JSON is read (a cast to VARCHAR(n), as of an array,
    would cut it to n characters); SQLite keeps it whole. Never a shorter title than the one sent."""
    trainee = TraineeFactory()
    db.session.commit()
    title = "T" * 260  # the column holds 200
    try:
        entry = _create(trainee, title=title)
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(EvidenceEntry)) == 0  # refused: nothing stored
        return
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).title == title
