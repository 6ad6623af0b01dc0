"""The background task queue (Huey): features register plain functions as tasks; each app gets its own queue.

SQLite in instance/huey.sqlite3 by default, Redis when HUEY_REDIS_URL is set. The worker is `flask --app wsgi
worker` (scripts/run starts it beside gunicorn). Each task runs inside an app context of the app that queued it, with
its own database session. With HUEY_IMMEDIATE (on when testing unless set) a task runs at once, in the caller.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer

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
    current_app.extensions[EXTENSION].tasks[name](*args)


def queue(app: Flask):
    """The app's Huey instance (for the worker and for tests that run a real consumer)."""
    return app.extensions[EXTENSION].huey


class _Queue:
    def __init__(self, app: Flask):
        redis_url = app.config.get("HUEY_REDIS_URL")
        if redis_url:
            self.huey = RedisHuey("trainee-portal", url=redis_url)
        else:
            path = Path(app.instance_path) / "huey.sqlite3"
            self.huey = SqliteHuey("trainee-portal", filename=str(path))
        immediate = app.config.get("HUEY_IMMEDIATE")
        self.huey.immediate = app.testing if immediate is None else bool(immediate)
        self.tasks = {}
        for name, function in _TASKS.items():
            self.tasks[name] = self.huey.task(name=name)(_in_app_context(app, function))


def _in_app_context(app: Flask, function: Callable) -> Callable:
    def run(*args):
        with app.app_context():
            return function(*args)

    run.__name__ = function.__name__
    return run


def consumer(app: Flask, workers: int = 1, embedded: bool = True) -> Consumer:
    """A consumer of the app's queue, in threads. The worker command runs one that answers SIGINT/SIGTERM; an embedded
    one (tests, the browser journeys' live server) leaves the process's signal handlers alone: start() and stop() it."""
    huey = queue(app)
    huey.immediate = False
    kind = _EmbeddedConsumer if embedded else Consumer
    return kind(huey, workers=workers, worker_type="thread", check_worker_health=False)


class _EmbeddedConsumer(Consumer):
    def _set_signal_handlers(self):
        pass  # the process it runs in keeps its own


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Tasks run at once (threads).")
def worker(workers: int) -> None:
    """Run the background task queue's worker (logbook imports) until interrupted."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # started in the background by a script, it ignored Ctrl+C
    app = current_app._get_current_object()
    click.echo(f"Worker for the task queue ({type(queue(app)).__name__}), {workers} thread(s); Ctrl+C stops it.")
    consumer(app, workers, embedded=False).run()
