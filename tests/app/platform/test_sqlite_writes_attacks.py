"""Attacks on SQLite writers' turns (platform/sqlite_writes.py).

1. A transaction that went on without the turn (it waited past its timeout) already holds SQLite's write lock; its
   next write must not wait for the turn, or it and the turn's holder (waiting for SQLite's lock) wait on each other
   until one of them times out.
2. A savepoint opened the SQLite transaction (SQLAlchemy's begin_nested on pysqlite: SAVEPOINT, INSERT, RELEASE):
   RELEASE ends that transaction, so the turn must not still be held afterwards, blocking every other writer of the
   process until the session ends."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from tests.app.platform.test_sqlite_writes import connect, database, write_in_thread  # noqa: F401 (fixture)
from trainee_portal.platform.sqlite_writes import turn_for


def test_a_transaction_that_went_on_without_the_turn_does_not_wait_for_it_again(database):  # noqa: F811
    timeout = 0.6
    holder = connect(database, timeout)
    holder.execute("INSERT INTO t (who) VALUES ('holder')")  # the turn and SQLite's lock
    a_inserted, a_go, a_out = threading.Event(), threading.Event(), {}

    def a():
        conn = connect(database, timeout)
        try:
            conn.execute("INSERT INTO t (who) VALUES ('a1')")  # waits past its timeout at the turn, then at SQLite
            a_inserted.set()
            a_go.wait(5)
            started = time.monotonic()
            conn.execute("INSERT INTO t (who) VALUES ('a2')")
            a_out["second_insert"] = time.monotonic() - started
            conn.commit()
        except sqlite3.Error as error:
            a_out["error"] = error
            conn.rollback()
        finally:
            a_inserted.set()
            conn.close()

    thread_a = threading.Thread(target=a)
    thread_a.start()
    time.sleep(timeout + 0.2)  # a has given up on the turn and is in SQLite's busy handler
    holder.commit()  # the turn and SQLite's lock are free: a gets SQLite's lock
    assert a_inserted.wait(5) and "error" not in a_out
    thread_b, b_out = write_in_thread(database, "b", timeout)  # b takes the free turn, then waits for SQLite's lock
    deadline = time.monotonic() + 2
    while not b_out["sent"] and time.monotonic() < deadline:
        time.sleep(0.005)
    a_go.set()  # a's second write, in the transaction that holds SQLite's lock
    thread_a.join(5)
    thread_b.join(5)
    holder.close()
    assert "error" not in a_out and a_out["second_insert"] < timeout / 2, a_out  # not a wait at the turn
    assert "error" not in b_out, b_out  # b waited for a's commit, as without turns
    with sqlite3.connect(database) as check:
        assert sorted(w for (w,) in check.execute("SELECT who FROM t")) == ["a1", "a2", "b", "holder"]


def test_raw_savepoint_release_gives_the_turn_back(database):  # noqa: F811
    conn = connect(database, 5)
    conn.execute("SAVEPOINT s")  # opens the SQLite transaction (the driver sends no BEGIN for it)
    conn.execute("INSERT INTO t (who) VALUES ('nested')")
    conn.execute("RELEASE SAVEPOINT s")  # the outermost savepoint: commits
    conn.execute("SELECT 1").fetchone()
    assert not conn.in_transaction
    thread, out = write_in_thread(database, "other", 5)
    thread.join(1.5)
    alive = thread.is_alive()
    conn.rollback()  # gives the turn back at last
    thread.join(10)
    conn.close()
    assert not alive, "another writer waited for a turn kept after the transaction had ended"
    assert "error" not in out


def test_the_apps_begin_nested_does_not_keep_the_turn_from_other_writers(app):
    from sqlalchemy import text

    from trainee_portal.extensions import db

    sqlite = db.engine.dialect.name == "sqlite"  # (on PostgreSQL the same writes must not wait either)
    db.session.commit()
    db.session.execute(text("SELECT 1")).all()
    with db.session.begin_nested():  # as drafts.save, rules.save_rule, packs.freeze do in a fresh transaction
        db.session.execute(text("DELETE FROM form_draft WHERE id = -1"))
    raw = db.session.connection().connection.dbapi_connection
    assert not sqlite or not raw.in_transaction  # on SQLite, RELEASE of the outermost savepoint committed it
    out = {}

    def other_writer():
        with app.app_context():
            started = time.monotonic()
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM form_draft WHERE id = -2"))
            out["took"] = time.monotonic() - started

    thread = threading.Thread(target=other_writer)
    thread.start()
    thread.join(2)
    alive = thread.is_alive()
    db.session.rollback()  # lets it go on if it was waiting (15 s otherwise)
    thread.join(20)
    assert not alive, "a writer waited for a turn the session kept after its SQLite transaction had ended"
    assert not sqlite or not turn_for(db.engine.url.database).threads.locked()


@pytest.mark.parametrize("end", ["with", "executescript"])
def test_a_transaction_ended_by_the_driver_itself_gives_the_turn_back(database, end):  # noqa: F811
    """`with connection:` (Python 3.11 commits in C, not through commit()) and executescript (which commits first)."""
    conn = connect(database, 5)
    if end == "with":
        with conn:
            conn.execute("INSERT INTO t (who) VALUES ('with')")
    else:
        conn.execute("INSERT INTO t (who) VALUES ('script')")
        conn.executescript("SELECT 1;")
    assert not conn.in_transaction
    thread, out = write_in_thread(database, "other", 5)
    thread.join(1.5)
    alive = thread.is_alive()
    conn.close()
    thread.join(10)
    assert not alive, "another writer waited for a turn kept after the transaction had ended"
    assert "error" not in out
