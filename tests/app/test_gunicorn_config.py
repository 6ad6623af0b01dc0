"""gunicorn.conf.py: how every gunicorn started in the checkout serves the app (scripts/run, production, the
benchmark), and the benchmark recording what served its run."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest

from benchmarks.run import GUNICORN_CONFIG, Settings, served_by

ROOT = Path(__file__).resolve().parents[2]


def _config(monkeypatch, concurrency: str | None) -> dict:
    if concurrency is None:
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("WEB_CONCURRENCY", concurrency)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_one_worker_per_core_at_least_two_each_taking_a_connection_only_when_free(monkeypatch):
    config = _config(monkeypatch, None)
    assert config["workers"] == max(2, len(os.sched_getaffinity(0)))
    assert config["worker_class"] == "sync" and config["threads"] == 1
    assert config["control_socket_disable"] is True  # no shared ~/.gunicorn/gunicorn.ctl for instances to take over


@pytest.mark.parametrize("given, workers", [("3", 3), (" 5 ", 5), ("", None)])
def test_web_concurrency_sets_the_workers(monkeypatch, given, workers):
    config = _config(monkeypatch, given)
    assert config["workers"] == (workers or max(2, len(os.sched_getaffinity(0))))


@pytest.mark.parametrize("given", ["0", "-2", "two", "2.5"])
def test_a_web_concurrency_that_is_no_whole_number_stops_with_a_message(monkeypatch, given):
    with pytest.raises(SystemExit) as stopped:
        _config(monkeypatch, given)
    assert str(stopped.value) == f"WEB_CONCURRENCY must be a whole number of at least 1 (it is {given!r})."


def test_the_benchmark_serves_with_the_apps_config_unless_told_otherwise(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert GUNICORN_CONFIG == ROOT / "gunicorn.conf.py"
    assert served_by(Settings()) == {"workers": 3, "threads": 1, "worker_class": "sync", "from": "gunicorn.conf.py"}
    assert served_by(Settings(workers=4)) == {"workers": 4, "threads": 1, "worker_class": "sync", "from": "the run's settings"}
    # gunicorn serves sync workers given more than one thread as gthread workers
    assert served_by(Settings(workers=1, threads=2)) == {
        "workers": 1,
        "threads": 2,
        "worker_class": "gthread",
        "from": "the run's settings",
    }


def test_the_report_says_how_the_run_was_served(monkeypatch):
    from benchmarks import report

    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    assert report.served_by({"served_by": served_by(Settings())}) == "gunicorn 2 sync workers (gunicorn.conf.py)"
    assert (
        report.served_by({"served_by": served_by(Settings(workers=1, threads=4))})
        == "gunicorn 1 gthread worker × 4 threads (the run's settings)"
    )
