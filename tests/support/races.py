"""Two (or more) requests at the same moment: for the tests that prove a race has one winner."""

from __future__ import annotations

import threading


def race(*jobs, timeout: float = 60) -> None:
    """Run each job in its own thread. Each is called with one barrier, shared by all, to wait on just before its
    contested step, so the steps meet; returns when every thread has finished (or `timeout` seconds each)."""
    start = threading.Barrier(len(jobs))
    threads = [threading.Thread(target=job, args=(start,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)


def contend(app, outcome: dict, key: str, losses: tuple[type[Exception], ...], step) -> None:
    """One side of a race: step() in an app context of its own, then commit. outcome[key] is True when it landed,
    False when it lost to the other side with one of the `losses` errors (rolled back)."""
    from trainee_portal.extensions import db

    with app.app_context():
        try:
            step()
            db.session.commit()
            outcome[key] = True
        except losses:
            db.session.rollback()
            outcome[key] = False
        finally:
            db.session.remove()


def one_behind_the_other(app, first, second, blocker, timeout: float = 20) -> tuple[list, dict]:
    """Two writes, each in its own thread, app context and transaction (then committed), for the lock-order tests:
    `first` starts, and on PostgreSQL is left to reach the lock another transaction holds, then `second` starts and is
    left to reach its own wait; then `blocker` (that other transaction's connection) rolls back and closes. Returns (failures as (name, error),
    {name: True} for each write that committed); names are "first" and "second"."""
    import time

    from sqlalchemy import text

    from trainee_portal.extensions import db

    postgresql = db.engine.dialect.name == "postgresql"
    failures, pids, done = [], {}, {}

    def waiting(pid: int) -> bool:
        with db.engine.connect() as conn:
            kind = conn.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
        return kind == "Lock"

    def run(name, step):
        with app.app_context():
            try:
                if postgresql:
                    pids[name] = db.session.connection().connection.dbapi_connection.info.backend_pid
                step()
                db.session.commit()
                done[name] = True
            except Exception as error:  # noqa: BLE001 (the caller asserts there are none)
                failures.append((name, error))
            finally:
                db.session.remove()

    def settled(name) -> bool:
        return done.get(name) or bool(failures) or (name in pids and waiting(pids[name]))

    threads = [threading.Thread(target=run, args=(name, step)) for name, step in (("first", first), ("second", second))]
    try:
        for name, thread in zip(("first", "second"), threads):
            thread.start()
            deadline = time.monotonic() + timeout
            while postgresql and not settled(name) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)
    finally:
        blocker.rollback()
        blocker.close()
        for thread in threads:
            thread.join(60)
    return failures, done


def hold_trainee_row(trainee_id: int):
    """Another transaction holding the trainee's row (PostgreSQL: its row lock; SQLite: the write lock, by an UPDATE
    that changes nothing), for one_behind_the_other's `blocker`; returns its connection."""
    from sqlalchemy import select

    from trainee_portal.extensions import db
    from trainee_portal.models import TraineeProfile

    blocker = db.engine.connect()
    if db.engine.dialect.name == "postgresql":
        blocker.execute(select(TraineeProfile.user_id).where(TraineeProfile.user_id == trainee_id).with_for_update())
    else:
        blocker.execute(
            TraineeProfile.__table__.update()
            .where(TraineeProfile.user_id == trainee_id)
            .values(gmc_number=TraineeProfile.gmc_number)
        )
    return blocker
