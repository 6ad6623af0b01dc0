"""SQLite: writers take turns at a lock of their own, so a waiting writer starts the moment the one before it ends.

SQLite lets one transaction write at a time. A writer that finds the database locked is put to sleep by SQLite's busy
handler for 1, 2, 5, 10… ms before it looks again, so under concurrent writes the database often stands idle while
writers sleep. Here each connection opened by the app (`WriterConnection`, the driver's connection factory) takes,
before the first statement of a transaction that writes, this process's lock for the database and then an exclusive
`flock` on a file beside it (`<database>-writer`), and gives both back once that transaction has committed or rolled
back (or ended by a savepoint's RELEASE), or the connection is closed or dropped. A waiting thread of the same process
wakes as soon as the turn is given back; one of another process tries the file lock every 0.2 ms (the kernel also
releases it when a process dies).

They order writers; they guarantee nothing. SQLite's own lock still decides, so a writer that does not take them (the
sqlite3 shell, a restore) is as safe as before. A writer that waits longer than the connection's busy timeout for
this process's lock goes on without the turn, to SQLite's lock and its busy timeout, as it would without this module.
Read-only transactions take no turn: in write-ahead-log mode they never wait for writers.
Measured on 2 December 2026 (2 cores, gunicorn 2 workers × 4 threads, 4 clients, 1M rows, two runs of 3 rounds each
way, alternating): logging an evidence entry took 247-276 requests a second with turns against 211-277 without, a
median share of the bare INSERT route's throughput of 0.47 and 0.45 against 0.40 and 0.40.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time

# The statements before which the driver opens a transaction by itself (Python's sqlite3 in its default, legacy
# transaction control: a statement starting with one of these words, after spaces and comments), so that a commit or a
# rollback is sure to follow and give the turn back. Others (DDL, a data-modifying WITH) run as before, unordered.
WRITES = re.compile(r"^(\s|--[^\n]*\n|/\*.*?\*/)*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE | re.DOTALL)

# How often a writer waiting for another process's turn tries the file lock again: a fifth of SQLite's first sleep.
POLL_SECONDS = 0.0002


def writes(statement: str) -> bool:
    return bool(WRITES.match(statement))


class Turn:
    """One database's turn to write in this process: a thread lock, then the file lock shared with other processes."""

    def __init__(self, path: str):
        self.path = f"{path}-writer"
        self.pid = os.getpid()
        self.threads = threading.Lock()
        self.fd: int | None = None

    def take(self, timeout: float) -> bool:
        """True once this thread has the turn; False after `timeout` seconds (or where no lock file can be made), when
        the writer goes on to SQLite's own lock. The file lock is tried every POLL_SECONDS, never waited on without
        end: a holder that never gives it back (a connection left open) costs the others their busy timeout, as
        SQLite's own lock would, not a hang."""
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=max(timeout, 0.001)):
            return False
        try:
            if self.fd is None:
                # Read-only is enough for flock, so a file another user made (a command run as root) still serves.
                self.fd = os.open(self.path, os.O_RDONLY | os.O_CREAT, 0o644)
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(POLL_SECONDS)
        except OSError:
            pass  # no file lock (a read-only folder): SQLite's own lock orders the writers
        except BaseException:  # interrupted while waiting (KeyboardInterrupt): no turn taken, none kept
            self.threads.release()
            raise
        self.threads.release()
        return False

    def give_back(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_turns: dict[str, Turn] = {}
_turns_lock = threading.Lock()


def turn_for(path: str) -> Turn:
    """This process's Turn for the database file (a new one in a forked child: the parent's file lock and thread
    lock are not the child's)."""
    key = os.path.realpath(path)
    with _turns_lock:
        found = _turns.get(key)
        if found is None or found.pid != os.getpid():
            found = _turns[key] = Turn(key)
        return found


class WriterCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        self.connection._before(sql)
        try:
            return super().execute(sql, parameters)
        except BaseException:
            self.connection._after_failure()
            raise

    def executemany(self, sql, seq_of_parameters, /):
        self.connection._before(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        except BaseException:
            self.connection._after_failure()
            raise

    def executescript(self, sql_script, /):
        try:
            return super().executescript(sql_script)  # commits an open transaction first, by itself
        finally:
            self.connection._after_failure()


class WriterConnection(sqlite3.Connection):
    """A sqlite3 connection that takes the database's Turn for each transaction that writes (see the module)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        name = os.fspath(database)
        in_memory = name in ("", ":memory:") or name.startswith("file:") or "mode=memory" in name
        self._turn = None if in_memory else turn_for(name)
        self._timeout = float(kwargs.get("timeout", args[0] if args else 5.0))
        self._holding = False

    def cursor(self, factory=WriterCursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def _before(self, sql: str) -> None:
        if self._turn is None:
            return
        if self._holding:
            if self.in_transaction:
                return
            # The transaction ended without commit() or rollback(): RELEASE of a savepoint that opened it, a COMMIT
            # sent as SQL, executescript's implicit COMMIT. Nothing is left to order.
            self._give_back()
        # Only where the driver is about to open a transaction the connection will commit or roll back (not in
        # autocommit, and not inside a transaction already open, which may hold SQLite's write lock already: one
        # opened by a savepoint, or one that went on without the turn after its timeout; waiting for the turn there
        # would have it and the turn's holder, waiting for SQLite's lock, wait on each other).
        if self.isolation_level is None or self.in_transaction or not writes(sql):
            return
        if self._turn.pid != os.getpid():  # a connection made before a fork: the child's own turn, not the parent's
            self._turn = turn_for(self._turn.path.removesuffix("-writer"))
        self._holding = self._turn.take(self._timeout)

    def _after_failure(self) -> None:
        if not self.in_transaction:  # the statement failed before a transaction began (BEGIN itself refused)
            self._give_back()

    def _give_back(self) -> None:
        if getattr(self, "_holding", False):
            self._holding = False
            self._turn.give_back()

    def commit(self):
        try:
            return super().commit()
        finally:
            if not self.in_transaction:
                self._give_back()

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._give_back()

    def executescript(self, sql_script, /):
        return self.cursor().executescript(sql_script)

    def __exit__(self, *exc):  # `with connection:` commits or rolls back without calling commit() or rollback()
        try:
            return super().__exit__(*exc)
        finally:
            if not self.in_transaction:
                self._give_back()

    def close(self):
        try:
            return super().close()
        finally:
            self._give_back()

    def __del__(self):  # a connection dropped without close (SQLite lets its lock go then; so must the turn)
        self._give_back()
