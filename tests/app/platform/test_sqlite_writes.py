"""SQLite writers take turns (platform/sqlite_writes.py): a transaction that writes holds its database's turn from its
first write to its commit or rollback, a waiting writer (thread or process) starts once it is given back, a writer
that dies gives it back, and one that waits past its busy timeout goes on to SQLite's own lock as before.

These run on files of their own, whatever engine DATABASE_URL names; the app's own connections are checked on SQLite."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from trainee_portal.platform.sqlite_writes import WriterConnection, turn_for, writes

CHILD = """
import sqlite3, sys
from trainee_portal.platform.sqlite_writes import WriterConnection
c = sqlite3.connect(sys.argv[1], timeout=15, factory=WriterConnection)
c.execute("INSERT INTO t (who) VALUES ('child')")
print("holding", flush=True)
if sys.stdin.readline().strip() == "commit":
    c.commit()
    print("committed", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def database(tmp_path) -> str:
    path = str(tmp_path / "turns.sqlite3")
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    return path


def connect(path: str, timeout: float = 15) -> WriterConnection:
    return sqlite3.connect(path, timeout=timeout, factory=WriterConnection, check_same_thread=False)


def write_in_thread(path: str, who: str, timeout: float = 15) -> tuple[threading.Thread, dict]:
    """A thread that inserts `who` and commits; the dict says what the connection sent SQLite ("sent": nothing while
    it waits for its turn, BEGIN then the INSERT once SQLite is asked), when it got past the insert and what it raised."""
    out: dict = {"sent": []}

    def run():
        conn = connect(path, timeout)
        conn.set_trace_callback(out["sent"].append)
        try:
            conn.execute("INSERT INTO t (who) VALUES (?)", (who,))
            out["inserted_at"] = time.monotonic()
            conn.commit()
        except sqlite3.Error as error:
            out["error"] = error
            conn.rollback()
        finally:
            conn.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_only_the_statements_that_open_a_transaction_take_a_turn():
    assert writes("INSERT INTO t VALUES (1)") and writes("  update t set a = 1") and writes("DELETE FROM t")
    assert writes("/* a comment */\n-- another\nREPLACE INTO t VALUES (1)")
    assert not writes("SELECT * FROM t") and not writes("PRAGMA journal_mode=WAL") and not writes("CREATE TABLE x (a)")
    assert not writes("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x")  # the driver opens no transaction for it


def test_a_write_holds_the_turn_until_commit_rollback_or_close_and_reads_take_none(database):
    conn = connect(database)
    conn.execute("SELECT * FROM t").fetchall()
    assert not conn._holding
    for end in (conn.commit, conn.rollback):
        conn.execute("INSERT INTO t (who) VALUES ('a')")
        assert conn._holding and conn._turn.threads.locked()
        conn.execute("SELECT count(*) FROM t").fetchone()
        end()
        assert not conn._holding and not conn._turn.threads.locked()
    conn.cursor().executemany("INSERT INTO t (who) VALUES (?)", [("b",), ("c",)])
    assert conn._holding
    conn.close()
    assert not turn_for(database).threads.locked()


def test_autocommit_and_memory_connections_take_no_turn(database):
    autocommit = sqlite3.connect(database, factory=WriterConnection, isolation_level=None)
    autocommit.execute("INSERT INTO t (who) VALUES ('auto')")
    assert not autocommit._holding and not turn_for(database).threads.locked()
    autocommit.close()
    memory = sqlite3.connect(":memory:", factory=WriterConnection)
    memory.execute("CREATE TABLE m (a)")
    memory.execute("INSERT INTO m VALUES (1)")
    assert memory._turn is None and not memory._holding
    memory.close()


def test_a_writer_waits_for_the_turn_not_for_sqlites_busy_handler_and_starts_once_it_is_given_back(database):
    first = connect(database)
    first.execute("INSERT INTO t (who) VALUES ('first')")
    thread, out = write_in_thread(database, "second")
    time.sleep(0.3)
    assert thread.is_alive() and out["sent"] == []  # waiting at the turn: SQLite not asked, so no busy handler's sleeps
    committed_at = time.monotonic()
    first.commit()
    thread.join(5)
    assert not thread.is_alive() and "error" not in out
    assert out["inserted_at"] - committed_at < 0.2  # woken at once, not after a busy handler's sleeps
    assert [who for (who,) in first.execute("SELECT who FROM t ORDER BY id")] == ["first", "second"]
    first.close()


def test_many_threads_each_write_once_with_nothing_lost(database):
    threads = [write_in_thread(database, f"writer {n}") for n in range(12)]
    for thread, out in threads:
        thread.join(30)
        assert "error" not in out
    with sqlite3.connect(database) as check:
        assert check.execute("SELECT count(*) FROM t").fetchone() == (12,)
    assert not turn_for(database).threads.locked()


def _child(database: str) -> subprocess.Popen:
    root = Path(__file__).resolve().parents[3]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.stdout.readline().strip() == "holding"
    return child


def test_a_writer_in_another_process_waits_for_the_turn_until_that_process_commits(database):
    child = _child(database)
    try:
        thread, out = write_in_thread(database, "parent")
        time.sleep(0.3)
        assert thread.is_alive() and out["sent"] == []
        child.stdin.write("commit\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "committed"
        thread.join(5)
        assert not thread.is_alive() and "error" not in out
    finally:
        child.kill()
        child.wait()
    with sqlite3.connect(database) as check:
        assert [who for (who,) in check.execute("SELECT who FROM t ORDER BY id")] == ["child", "parent"]


def test_a_process_killed_while_holding_the_turn_gives_it_back_and_its_write_is_lost(database):
    child = _child(database)
    thread, out = write_in_thread(database, "parent")
    time.sleep(0.3)
    assert thread.is_alive() and out["sent"] == []
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    thread.join(5)
    assert not thread.is_alive() and "error" not in out
    with sqlite3.connect(database) as check:
        assert [who for (who,) in check.execute("SELECT who FROM t")] == ["parent"]


def test_a_connection_dropped_without_close_gives_the_turn_back(database):
    import gc

    dropped = connect(database)
    dropped.execute("INSERT INTO t (who) VALUES ('dropped')")
    assert turn_for(database).threads.locked()
    del dropped
    gc.collect()
    assert not turn_for(database).threads.locked()
    thread, out = write_in_thread(database, "next", timeout=2)
    thread.join(5)
    assert "error" not in out


def test_a_process_that_keeps_the_turn_costs_a_writer_its_busy_timeout_not_a_hang(database):
    child = _child(database)
    try:
        started = time.monotonic()
        thread, out = write_in_thread(database, "parent", timeout=0.3)
        thread.join(10)
        assert not thread.is_alive() and time.monotonic() - started < 5
        assert isinstance(out.get("error"), sqlite3.OperationalError) and "locked" in str(out["error"])
        assert out["sent"][:1] == ["BEGIN "]  # after 0.3 s at the turn it asked SQLite, which refused after its own 0.3 s
    finally:
        child.kill()
        child.wait()


def test_a_writer_that_waits_past_its_busy_timeout_goes_on_to_sqlites_lock_as_before(database):
    first = connect(database)
    first.execute("INSERT INTO t (who) VALUES ('first')")
    thread, out = write_in_thread(database, "impatient", timeout=0.2)
    thread.join(5)
    assert isinstance(out.get("error"), sqlite3.OperationalError) and "locked" in str(out["error"])
    assert out["sent"][:1] == ["BEGIN "]  # it went on to SQLite, which refused it after its own busy timeout
    first.commit()
    assert not turn_for(database).threads.locked()
    thread, out = write_in_thread(database, "later", timeout=0.2)
    thread.join(5)
    assert "error" not in out
    first.close()


def test_the_apps_sqlite_connections_take_turns_and_keep_their_settings(app):
    from trainee_portal.extensions import db

    raw = db.engine.raw_connection()
    if db.engine.dialect.name != "sqlite":  # PostgreSQL orders its writers itself: its connections are psycopg's
        assert not isinstance(raw.dbapi_connection, sqlite3.Connection)
        raw.close()
        return
    try:
        assert isinstance(raw.dbapi_connection, WriterConnection)
        assert raw.dbapi_connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.dbapi_connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    finally:
        raw.close()
