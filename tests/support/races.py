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
