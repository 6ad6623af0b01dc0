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
