"""Attacks on the audit append and the new entry's INSERT (on PostgreSQL each one data-modifying WITH): writers at once
with fresh, stale and no heads and rollbacks, a savepoint rolled back, a writer that waits for the head's lock, two
writers appending the very same record, a competency code too long for its column, duplicate codes. Each ends with
the chain verified, the records numbered 1..N with no gap, the head on the last and every checkpoint right."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError

from tests.factories import TraineeFactory
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.logbook import services
from trainee_portal.models import AuditCheckpoint, AuditHead, AuditRecord, EvidenceCompetency, EvidenceEntry, TraineeProfile, User
from trainee_portal.summaries import progress


def _append(n: int, payload=None) -> AuditRecord:
    return audit.append("test.event", subject_type="test", subject_id=n, payload=payload or {"n": n})


def _seen_head() -> tuple | None:
    head = db.session.execute(audit.head_query()).first()
    if head is not None:
        audit.expect_head(head.sequence, head.last_hash)
    return head


def _check_chain_and_checkpoints(every: int, expected: int) -> None:
    db.session.expire_all()
    report = audit.verify_chain()
    assert report.ok, report
    assert report.checked == expected
    records = {r.id: r for r in db.session.scalars(select(AuditRecord))}
    assert sorted(records) == list(range(1, expected + 1))
    head = db.session.get(AuditHead, 1)
    assert (head.sequence, head.last_hash) == (expected, records[expected].record_hash)
    checkpoints = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.sequence)).all()
    assert [c.sequence for c in checkpoints] == [n for n in range(every, expected + 1, every)]
    keys = audit.verify_keys()
    for c in checkpoints:
        assert c.last_hash == records[c.sequence].record_hash, c.sequence
        assert audit.checkpoint_verifies(c, keys)


def test_many_writers_mixing_fresh_stale_and_unseen_heads_with_rollbacks_leave_one_chain(app):
    """12 threads x 25 transactions: each follows a fresh head, a head gone stale on purpose, or no head; appends one
    or two records; and one in five rolls back. Checkpoints every 7th record."""
    writers, each, every = 12, 25, 7
    moved = []  # the moves after a claim: the stale path was taken

    def count(conn, cursor, statement, *args):
        if "WITH moved AS" in statement or statement.startswith("UPDATE audit_head SET last_hash"):
            moved.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    old = app.config.get("AUDIT_CHECKPOINT_EVERY")
    app.config["AUDIT_CHECKPOINT_EVERY"] = every
    try:
        _append(0)
        db.session.commit()
        start = threading.Barrier(writers)
        failures, committed = [], []
        lock = threading.Lock()

        def writer(w: int):
            rng = random.Random(w)
            with app.app_context():
                start.wait()
                for i in range(each):
                    try:
                        mode = rng.choice(["fresh", "stale", "none"])
                        if mode != "none":
                            _seen_head()
                        if mode == "stale":
                            time.sleep(rng.random() * 0.01)  # let others move the head past the one seen
                        n = 1 + (rng.random() < 0.4)
                        for k in range(n):
                            _append(w * 1000 + i * 10 + k)
                        if rng.random() < 0.2:
                            db.session.rollback()
                        else:
                            db.session.commit()
                            with lock:
                                committed.append(n)
                    except Exception as error:  # noqa: BLE001 (collected and reported below)
                        db.session.rollback()
                        failures.append(repr(error))
                db.session.remove()

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert not failures, failures[:3]
        assert moved, "no append found its head stale: the race did not happen"
        _check_chain_and_checkpoints(every, 1 + sum(committed))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        app.config["AUDIT_CHECKPOINT_EVERY"] = old


def test_a_rolled_back_savepoint_append_does_not_leave_a_head_to_follow(app):
    _append(1)
    db.session.commit()
    _seen_head()
    nested = db.session.begin_nested()
    _append(2)
    nested.rollback()  # the head and record 2 are gone, session.info still names (2, hash)
    record = _append(2)
    db.session.commit()
    assert record.id == 2
    _check_chain_and_checkpoints(200, 2)


def test_a_stale_head_where_another_writer_appended_the_identical_record_is_not_mistaken_for_followed(app, clock):
    """With the clock stopped two writers that saw the same head and append the same content compute the same hash:
    the one whose head went stale must take its claim (the head's sequence says so), not a follow."""
    clock.set(datetime(2026, 11, 20, 12, 0, 0))
    _append(1)
    db.session.commit()
    _seen_head()

    def other():
        with app.app_context():
            _seen_head()
            _append(2)
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(60)
    record = _append(2)  # the same record as the other writer's, but it must become record 3
    db.session.commit()
    assert record.id == 3
    _check_chain_and_checkpoints(200, 3)


def _entry(trainee, codes) -> EvidenceEntry:
    entry = EvidenceEntry(
        trainee_id=trainee.id,
        evidence_type="logbook.clinic",
        stage_level="higher",
        occurred_on=datetime(2026, 11, 1).date(),
        title="Pain clinic",
        supervision_level="2b",
        status="draft",
        version=1,
    )
    entry.competencies = [EvidenceCompetency(competency_code=code) for code in codes]
    entry.content_hash = entry.compute_content_hash()
    return entry


def _with_the_summaries(entry: EvidenceEntry) -> EvidenceEntry:
    """The entry's INSERT as a new entry sends it: within the summaries' one statement on PostgreSQL
    (progress.record_change's Along), on its own before them on SQLite. The trainee's profile is held, as their own
    request holds it (the one statement counts the weeks on the start it holds; a profile nobody holds leaves the
    session's weak identity map)."""
    profile = db.session.get(TraineeProfile, entry.trainee_id)
    assert profile.stage_started_on is not None
    entry_id = progress.record_change(
        entry.trainee_id,
        Counter(),
        progress.contribution(entry),
        readiness_affected=False,
        requests_changed=False,
        along=services._along(*services._entry_row(entry)),
    )
    assert profile is not None  # held to here
    return services._in_session(entry, entry_id)


INSERTS = pytest.mark.parametrize("insert", [services._insert, _with_the_summaries], ids=["own statement", "with the summaries"])


@INSERTS
def test_a_competency_code_too_long_for_its_column_is_refused_or_kept_whole_never_cut(app, insert):
    """CODE_PATTERN sets no length; evidence_competency.competency_code is VARCHAR(20). SQLite keeps the code whole,
    PostgreSQL refused it before (value too long): the link must never be stored as another (cut) code."""
    trainee = TraineeFactory()
    code = "S3_PM_01_" + "X" * 16  # 25 characters
    entry = _entry(trainee, [code, "S3_PM_02"])
    try:
        insert(entry)
        db.session.flush()
    except DBAPIError:
        db.session.rollback()
        return  # refused: nothing stored
    stored = db.session.scalars(
        select(EvidenceCompetency.competency_code)
        .where(EvidenceCompetency.evidence_id == entry.id)
        .execution_options(populate_existing=True)
    ).all()
    assert sorted(stored) == sorted([code, "S3_PM_02"])


@INSERTS
def test_duplicate_codes_are_refused_alike_and_the_returned_id_is_the_entry_with_its_links(app, insert):
    trainee = TraineeFactory()
    trainee_id = trainee.id
    with pytest.raises(DBAPIError):
        insert(_entry(trainee, ["S3_PM_01", "S3_PM_01"]))
    db.session.rollback()
    trainee = db.session.get(User, trainee_id)
    entries = [insert(_entry(trainee, codes)) for codes in (["S3_PM_01", "S3_PM_02", "S3_PM_03"], ["S3_PM_02"])]
    db.session.commit()
    for entry, codes in zip(entries, (["S3_PM_01", "S3_PM_02", "S3_PM_03"], ["S3_PM_02"]), strict=True):
        stored = db.session.scalars(
            select(EvidenceCompetency.competency_code).where(EvidenceCompetency.evidence_id == entry.id)
        ).all()
        assert sorted(stored) == codes
    assert db.session.scalar(select(func.count()).select_from(EvidenceEntry)) == 2


@pytest.mark.parametrize("other_ends", ["commit", "rollback", "commit_two"])
def test_an_append_that_waited_for_the_heads_lock_links_to_what_the_other_writer_left(app, other_ends):
    """The other writer holds the head's lock (appended, not committed) while this one's combined statement waits for
    it (on PostgreSQL: EvalPlanQual re-check of the CASE on the row the other committed)."""
    _append(1)
    db.session.commit()
    _seen_head()  # (1, h1): the head both saw
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def other():
        with app.app_context():
            try:
                _seen_head()
                _append(100)
                if other_ends == "commit_two":
                    _append(101)
                holding.set()
                release.wait(30)
                if other_ends == "rollback":
                    db.session.rollback()
                else:
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(repr(error))
                holding.set()
            finally:
                db.session.remove()
                done.set()

    thread = threading.Thread(target=other)
    thread.start()
    assert holding.wait(30)
    # this thread's combined statement blocks on the head's row lock; the other writer ends half a second later
    timer = threading.Timer(0.5, release.set)
    timer.start()
    record = _append(2)
    db.session.commit()
    thread.join(30)
    assert not errors, errors
    expected = {"commit": 3, "rollback": 2, "commit_two": 4}[other_ends]
    assert record.id == expected
    _check_chain_and_checkpoints(200, expected)
