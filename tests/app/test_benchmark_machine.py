"""The benchmark's CPU time per process: the scheduler's runtime of every thread, not whole clock ticks."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from benchmarks import machine


def _busy(seconds: float, done: threading.Event, leave: threading.Event) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    done.set()
    leave.wait(10)  # alive while it is counted, as a worker's threads are between requests


@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/sched").exists(), reason="the kernel shows no scheduler runtime")
def test_cpu_time_counts_every_thread_to_well_under_a_clock_tick():
    """12 ms of work on another thread (a gunicorn worker serves each request on one of its threads): counted in
    whole ticks it would show as 10 or 20 ms; the scheduler's runtime shows it to the microsecond (less what the thread's start and the reading cost)."""
    pid, done, leave = os.getpid(), threading.Event(), threading.Event()
    before = machine.cpu_seconds([pid])
    worker = threading.Thread(target=_busy, args=(0.012, done, leave))
    worker.start()
    try:
        assert done.wait(10)
        used = machine.cpu_seconds([pid]) - before
    finally:
        leave.set()
        worker.join(timeout=10)
    assert 0.012 <= used < 0.016, used  # neither of the tick counts (0.010, 0.020)


def test_a_process_that_is_gone_counts_nothing():
    assert machine.cpu_seconds([2**22 + 12345]) == 0.0


def test_without_the_scheduler_runtime_it_counts_clock_ticks(monkeypatch):
    monkeypatch.setattr(machine, "_runtime", lambda pid: None)
    used = time.process_time()
    counted = machine.cpu_seconds([os.getpid()])
    ticks = 1 / os.sysconf("SC_CLK_TCK")
    assert counted == pytest.approx(round(counted / ticks) * ticks)  # whole ticks
    assert abs(counted - used) < 5 * ticks


def test_one_pause_in_forty_moves_no_precise_cpu_figure_but_moves_a_mean_of_ticks():
    """Each request's CPU known to the microsecond: judged by its median, as wall times are. Counted in ticks, only
    the mean over all of them means anything, and one collection pause in forty moves it."""
    seconds = [0.005] * 39 + [0.105]
    assert machine.cpu_figure(seconds, precise=True) == 5.0
    assert machine.cpu_figure(seconds, precise=False) == 7.5


def test_cpu_is_precise_only_where_every_process_shows_its_runtime():
    shown = Path(f"/proc/{os.getpid()}/sched").exists()
    assert machine.cpu_is_precise([os.getpid()]) is shown
    assert machine.cpu_is_precise([os.getpid(), 2**22 + 12345]) is False
