"""The task queue's configuration: SQLite in the instance folder by default, Redis when a URL names it, immediate
only when testing (or when set)."""

from __future__ import annotations

from trainee_portal import create_app, settings
from trainee_portal.platform import tasks


def _app(tmp_path, monkeypatch, **config):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "queue-test-secret", **config})


def test_sqlite_in_the_instance_folder_by_default_and_not_immediate_outside_tests(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, PUBLIC_BASE_URL="http://127.0.0.1:5000")
    huey = tasks.queue(app)
    assert type(huey).__name__ == "SqliteHuey" and huey.storage.filename == str(tmp_path / "huey.sqlite3")
    assert not huey.immediate
    assert tasks.queue(_app(tmp_path, monkeypatch, TESTING=True)).immediate


def test_redis_when_a_url_names_it(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, TESTING=True, HUEY_REDIS_URL="redis://127.0.0.1:6379/15", HUEY_IMMEDIATE=False)
    huey = tasks.queue(app)
    assert type(huey).__name__ == "RedisHuey" and not huey.immediate
    assert huey.storage.conn.connection_pool.connection_kwargs["db"] == 15


def test_the_environment_names_the_redis_queue(monkeypatch):
    monkeypatch.delenv("HUEY_REDIS_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert settings.from_environment()["HUEY_REDIS_URL"] == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("HUEY_REDIS_URL", "redis://127.0.0.1:6379/4")
    assert settings.from_environment()["HUEY_REDIS_URL"] == "redis://127.0.0.1:6379/4"


def test_the_import_task_is_registered_on_every_app(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, TESTING=True)
    assert "imports.run" in app.extensions[tasks.EXTENSION].opened().tasks


def test_the_queue_opens_once_however_many_threads_ask_at_first(tmp_path, monkeypatch):
    """The queue opens on first use; requests arriving together on a fresh worker all get the one queue."""
    from concurrent.futures import ThreadPoolExecutor

    app = _app(tmp_path, monkeypatch, TESTING=True)
    assert app.extensions[tasks.EXTENSION].huey is None, "not opened when the app is built"
    with ThreadPoolExecutor(8) as pool:
        queues = list(pool.map(lambda _: tasks.queue(app), range(32)))
    assert len({id(q) for q in queues}) == 1 and "imports.run" in app.extensions[tasks.EXTENSION].tasks
