"""Appenders on one chain: a transaction that follows the head it saw earlier (audit.expect_head) links to the record
another writer added since, never past it (many writers at once: test_audit_append_attacks.py)."""

from __future__ import annotations

import threading

from sqlalchemy import event, select

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord


def _append(n: int) -> AuditRecord:
    return audit.append("test.event", subject_type="test", subject_id=n, payload={"n": n})


def _seen_head() -> None:
    """What a write's own read does: take the head as it stands and hand it to the next append."""
    head = db.session.execute(audit.head_query()).first()
    if head is not None:  # none before the first record: the append starts the chain
        audit.expect_head(head.sequence, head.last_hash)


def _in_another_transaction(app, job) -> None:
    def run():
        with app.app_context():
            job()
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)


def test_a_head_seen_before_another_writer_appended_is_not_followed(app):
    _append(1)
    db.session.commit()
    _seen_head()  # sequence 1 ...
    _in_another_transaction(app, lambda: _append(2))  # ... then someone else appends record 2
    record = _append(3)
    db.session.commit()
    assert record.id == 3
    assert db.session.get(AuditRecord, 3).prev_hash == db.session.get(AuditRecord, 2).record_hash
    assert audit.verify_chain().ok


def test_the_head_seen_is_followed_when_nobody_appended_since(app):
    _append(1)
    db.session.commit()
    _seen_head()
    first, second = _append(2), _append(3)  # the second follows the first in the same transaction
    db.session.commit()
    assert (first.id, second.id) == (2, 3) and second.prev_hash == first.record_hash
    assert audit.verify_chain().ok


def test_a_rolled_back_append_leaves_no_head_to_follow(app):
    _append(1)
    db.session.commit()
    _seen_head()
    _append(2)
    db.session.rollback()  # record 2 never was: the next append is 2 again, after record 1
    record = _append(2)
    db.session.commit()
    assert record.id == 2 and audit.verify_chain().ok


def _statements_of(job) -> int:
    sent = []
    listener = lambda *args: sent.append(args[2])  # noqa: E731 (before_cursor_execute: conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        job()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(sent)


def test_an_append_sends_one_statement_on_postgresql_whoever_appended_before_and_two_or_three_on_sqlite(app):
    """PostgreSQL reads the head under its row lock, hashes the record there and moves the head with the record's
    INSERT, all in one statement (a data-modifying WITH), so it sends one whether or not someone appended since the
    head was seen; SQLite sends the head's UPDATE and the INSERT, and one more UPDATE when the head moved. What is
    written is the same: the records link up and the chain verifies."""
    postgresql = db.engine.dialect.name == "postgresql"
    _append(1)
    db.session.commit()
    _seen_head()
    assert _statements_of(lambda: _append(2)) == (1 if postgresql else 2)
    db.session.commit()
    _seen_head()
    _in_another_transaction(app, lambda: _append(3))
    assert _statements_of(lambda: _append(4)) == (1 if postgresql else 3)
    db.session.commit()
    records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [r.id for r in records] == [1, 2, 3, 4]
    assert [r.prev_hash for r in records[1:]] == [r.record_hash for r in records[:-1]]
    assert [r.subject_id for r in records] == [1, 2, 3, 4]
    assert audit.verify_chain().ok
