"""The background task queue (Huey): features register plain functions as tasks; each app gets its own queue.

SQLite in instance/huey.sqlite3 by default, Redis when HUEY_REDIS_URL is set. The worker is `flask --app wsgi
worker` (scripts/run starts it beside gunicorn). Each task runs inside an app context of the app that queued it, with
its own database session. With HUEY_IMMEDIATE (on when testing unless set) a task runs at once, in the caller.

Huey (and the Redis client it brings) is imported and its queue opened on the first task a process queues or runs,
not when the app is built: a web worker that never queues one keeps about 18 MiB less.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app

EXTENSION = "huey"
_TASKS: dict[str, Callable] = {}


def task(name: str):
    """Register a function as a background task under a stable name (the name is what the queue stores)."""

    def register(function: Callable) -> Callable:
        _TASKS[name] = function
        return function

    return register


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = _Queue(app)
    app.cli.add_command(worker)


def enqueue(name: str, *args) -> None:
    """Queue a registered task for the worker (or run it now, in immediate mode)."""
    current_app.extensions[EXTENSION].opened().tasks[name](*args)


def queue(app: Flask):
    """The app's Huey instance (for the worker and for tests that run a real consumer)."""
    return app.extensions[EXTENSION].opened().huey


class _Queue:
    """The app's queue, opened once, by the first thread that needs it."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = None
        self.tasks: dict[str, Callable] = {}
        self._opening = threading.Lock()

    def opened(self) -> _Queue:
        if self.huey is None:
            with self._opening:
                if self.huey is None:
                    self._open()
        return self

    def _open(self) -> None:
        from huey import RedisHuey, SqliteHuey  # only where used: test_worker_imports

        app = self.app
        redis_url = app.config.get("HUEY_REDIS_URL")
        if redis_url:
            huey = RedisHuey("trainee-portal", url=redis_url)
        else:
            path = Path(app.instance_path) / "huey.sqlite3"
            huey = SqliteHuey("trainee-portal", filename=str(path))
        immediate = app.config.get("HUEY_IMMEDIATE")
        huey.immediate = app.testing if immediate is None else bool(immediate)
        self.tasks = {name: huey.task(name=name)(_in_app_context(app, function)) for name, function in _TASKS.items()}
        self.huey = huey  # last: another thread sees the queue only once its tasks are registered


def _in_app_context(app: Flask, function: Callable) -> Callable:
    def run(*args):
        with app.app_context():
            return function(*args)

    run.__name__ = function.__name__
    return run


def consumer(app: Flask, workers: int = 1, embedded: bool = True):
    """A consumer of the app's queue, in threads (a huey Consumer). The worker command runs one that answers
    SIGINT/SIGTERM; an embedded one (tests, the browser journeys' live server) leaves the process's signal handlers
    alone: start() and stop() it."""
    from huey.consumer import Consumer  # only where used: test_worker_imports

    class EmbeddedConsumer(Consumer):
        def _set_signal_handlers(self):
            pass  # the process it runs in keeps its own

    huey = queue(app)
    huey.immediate = False
    kind = EmbeddedConsumer if embedded else Consumer
    return kind(huey, workers=workers, worker_type="thread", check_worker_health=False)


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Tasks run at once (threads).")
def worker(workers: int) -> None:
    """Run the background task queue's worker (logbook imports) until interrupted."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # started in the background by a script, it ignored Ctrl+C
    app = current_app._get_current_object()
    click.echo(f"Worker for the task queue ({type(queue(app)).__name__}), {workers} thread(s); Ctrl+C stops it.")
    consumer(app, workers, embedded=False).run()
