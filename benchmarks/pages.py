"""What the benchmark measures (the key pages, who views each, the evidence write, the floor routes) and each
request's SQL, captured for the raw-SQL floor and replayed.

Capture: each page is requested once in this process through Flask's test client, signed in through the real login
form with the CSRF token a browser would send, on the throwaway copy the run measures. Every captured request runs
on one connection whose commits and rollbacks are held back and undone afterwards (PostgreSQL's sequences put back
too), so the database is left exactly as before the request. Replay: the captured statements, sent as they were
straight through the DB driver (no Flask, ORM or template), each time in a transaction rolled back afterwards
with the sequences put back: every replay meets the very state the captured request met, so a write's ids, hashes
and unique keys never collide. A replay that still fails is reported with its error, and the page's floor as
unavailable; the run goes on.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import event
from sqlalchemy.pool import StaticPool
from werkzeug.datastructures import MultiDict

from benchmarks.client import CSRF, FormReader
from benchmarks.dataset import DOMAIN
from benchmarks.datasets import engine_name, sqlite_path
from benchmarks.generate import BENCH_PASSWORD
from benchmarks.machine import cpu_figure, cpu_is_precise, cpu_seconds, stats

PLAIN = "/_benchmark/plain"  # a fixed response: no template, no database (for reference)
BARE = "/_benchmark/bare"  # the base layout for the signed-in user: the floor's framework part
BARE_WRITE = "/_benchmark/bare-write"  # signed in, CSRF-checked, one row inserted and committed: the write's floor


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    user: str  # local part of the generated account's email
    target_ms: float | None = None  # the median the issue sets at national scale
    args: dict = field(default_factory=dict)


PAGES = [  # in the order they are timed
    Page("trainee dashboard", "dashboard.index", "trainee", 50),
    Page("stage page", "stage_higher.index", "trainee", 100),
    Page("logbook list", "logbook.index", "trainee", 100),
    Page("supervisor queue", "signoff.queue", "supervisor", 100),
    Page("cohort dashboard", "cohort.dashboard", "director", 150),
    Page("exam pipeline", "exams.pipeline", "director", 100),
    # The director's readiness view of one ARCP panel (the first region's, London's, the largest).
    Page("ARCP readiness", "panels.detail", "director", 100, {"panel_id": 1}),
]
WRITE = Page("log evidence entry", "logbook.new", "trainee")
WRITERS = ("trainee", "trainee.1", "trainee.2", "trainee.3")  # the concurrent writers, each their own trainee
FLOOR_USERS = ("trainee", "supervisor", "director")


def email(user: str) -> str:
    return f"{user}@{DOMAIN}"


def path_for(app, page: Page) -> str:
    with app.test_request_context():
        return url_for(page.endpoint, **page.args)


def plan(app) -> tuple[list[tuple[Page, str]], list[str]]:
    """(page, path) for every page and the write this app has, and the names of those it lacks."""
    present, missing = [], []
    for page in [*PAGES, WRITE]:
        if page.endpoint in app.view_functions:
            present.append((page, path_for(app, page)))
        else:
            missing.append(page.name)
    return present, missing


def write_form(body: bytes, today: date) -> list[tuple[str, str]]:
    """The new-evidence form as a trainee would fill it: a clinic on one competency of their stage, without a file.
    Sent urlencoded, as the page's script sends a form with no file chosen (logbook/static/evidence-form.js)."""
    reader = FormReader()
    reader.feed(body.decode("utf-8", "replace"))
    form = reader.largest()
    values = dict(form["fields"])
    choices = form["choices"]

    def pick(name, preferred):
        options = [o for o in choices.get(name, []) if o]
        return preferred if preferred in options else (options[0] if options else "")

    values.update(
        {
            "evidence_type": pick("evidence_type", "logbook.clinic"),
            "occurred_on": today.isoformat(),
            "title": "Benchmark clinic: new patient review",
            "setting": pick("setting", "outpatient"),
            "hospital": "St Thomas' Hospital",
            "supervision_level": pick("supervision_level", "2b"),
            "notes": "Anonymised summary of the clinic and my role in it.",
        }
    )
    for name in ("technique", "guidance", "reflection"):
        values.setdefault(name, "")
    form = [(k, v) for k, v in values.items() if k != "competencies"]
    competency = pick("competencies", "")
    if competency:
        form.append(("competencies", competency))
    return form


def csrf_token(body: bytes) -> str:
    match = CSRF.search(body)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1).decode()


# --- capture ------------------------------------------------------------------------------------


class Capture:
    """Collects (statement, parameters, executemany) the app sends to the database while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[tuple[str, object, bool]] = []

    def __enter__(self):
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters, executemany))


def capture_app(url: str, instance: str):
    """The app as gunicorn serves it in the run (benchmarks/wsgi.py), on one connection that capture() can hold."""
    from trainee_portal import create_app
    from trainee_portal.settings import normalise_database_url

    options = {"poolclass": StaticPool, "pool_pre_ping": False}  # a ping would end the transaction held open
    if engine_name(url) == "sqlite":
        options["connect_args"] = {"timeout": 15, "check_same_thread": False}
    before = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = instance  # not the developer's instance/config.py
    try:
        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                "SQLALCHEMY_ENGINE_OPTIONS": options,
                "SECRET_KEY": "benchmark-secret-key-not-for-production",
                "PUBLIC_BASE_URL": "http://localhost",
                "BENCHMARK_SQL_COUNT": True,
                "BENCHMARK_BARE_ROUTE": True,
                "HUEY_IMMEDIATE": False,  # as under gunicorn: tasks go to the queue, not into the request
                "RATELIMIT_ENABLED": False,
            }
        )
    finally:
        if before is None:
            os.environ.pop("PORTAL_INSTANCE_PATH", None)
        else:
            os.environ["PORTAL_INSTANCE_PATH"] = before


@contextlib.contextmanager
def undone(engine):
    """Whatever the block does on the engine's one connection is undone at its end, commits included."""
    dialect = engine.dialect
    sequences = Sequences(engine.url.render_as_string(hide_password=False))
    dialect.do_commit = lambda dbapi_connection: None
    dialect.do_rollback = lambda dbapi_connection: None
    try:
        yield
    finally:
        del dialect.do_commit, dialect.do_rollback  # the dialect's own methods again
        raw = engine.raw_connection()
        try:
            raw.dbapi_connection.rollback()
        finally:
            raw.close()
        sequences.restore()
        sequences.close()


class Sequences:
    """PostgreSQL's sequences move on outside transactions: their values noted now, put back by restore() (on its
    own connection). Nothing to do on SQLite, whose row ids roll back with the transaction."""

    def __init__(self, url: str):
        self.connection = None
        self.values: tuple[list, list, list] = ([], [], [])
        if engine_name(url) != "postgresql":
            return
        import psycopg

        self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        rows = self.connection.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value, last_value FROM pg_sequences"
        ).fetchall()
        self.values = (
            [name for name, _, _ in rows],
            [last if last is not None else start for _, start, last in rows],
            [last is not None for _, _, last in rows],
        )

    def restore(self) -> None:
        if self.connection is not None and self.values[0]:
            self.connection.execute(
                "SELECT count(setval(s.name::regclass, s.value, s.called))"
                " FROM unnest(%s::text[], %s::bigint[], %s::bool[]) AS s(name, value, called)",
                self.values,
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _sign_in(client, user: str) -> None:
    token = csrf_token(client.get("/login").data)
    response = client.post("/login", data={"email": email(user), "password": BENCH_PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"capture: cannot sign in as {email(user)} ({response.status_code})")


def capture(url: str, today: date, instance: str) -> tuple[list[tuple[Page, str]], list[str], dict[str, dict]]:
    """Each page, the write and the floor routes once, signed in: the plan (page, path), the pages the app lacks, and
    per request its status and statements. Leaves the database as found (sign-ins aside)."""
    from trainee_portal.extensions import db

    app = capture_app(url, instance)
    pages, missing = plan(app)
    with app.app_context():
        engine = db.engine
    out: dict[str, dict] = {}
    clients: dict[str, object] = {}

    def client_for(user):
        if user not in clients:
            clients[user] = app.test_client()
            _sign_in(clients[user], user)
        return clients[user]

    def one(name, client, method, path, data=None, expect=(200,)):
        with undone(engine):  # a warm-up first, as a running worker has its caches (the curriculum registry) filled
            client.open(path, method=method, data=data)
        with undone(engine), Capture(engine) as captured:
            response = client.open(path, method=method, data=data)
        out[name] = {"status": response.status_code, "statements": captured.statements}
        if response.status_code not in expect:
            out[name]["error"] = f"{method} {path} answered {response.status_code}"

    try:
        for user in FLOOR_USERS:
            one(f"bare:{user}", client_for(user), "GET", BARE)
        trainee = client_for(WRITE.user)
        token = csrf_token(trainee.get(BARE).data)
        one("bare-write", trainee, "POST", BARE_WRITE, {"csrf_token": token}, expect=(302, 303))
        for page, path in pages:
            client = client_for(page.user)
            if page is WRITE:
                form = MultiDict(write_form(client.get(path).data, today))
                one(page.name, client, "POST", path, form, expect=(302, 303))
            else:
                one(page.name, client, "GET", path)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return pages, missing, out


def own_statements(statements: list, framework: list) -> list:
    """The page's statements less those the bare layout runs too (the framework's, already in the bare route's time)."""
    left = [s for s, _, _ in framework]
    own = []
    for item in statements:
        if item[0] in left:
            left.remove(item[0])
        else:
            own.append(item)
    return own


# --- replay -------------------------------------------------------------------------------------


def raw_connection(url: str):
    """A plain driver connection with the app's SQLite settings (write-ahead log, busy timeout)."""
    if engine_name(url) == "sqlite":
        import sqlite3

        connection = sqlite3.connect(sqlite_path(url), timeout=15)
        connection.execute("PRAGMA busy_timeout=15000")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


class ReplayError(Exception):
    """A replayed statement failed (the transaction was rolled back and the sequences put back)."""

    def __init__(self, error: Exception, statement: str | None):
        super().__init__(f"{type(error).__name__}: {str(error).strip()[:300]}")
        self.statement = (statement or "")[:300]


class Replayer:
    """One request's statements sent straight through the driver on a connection of its own, as often as asked, each
    time in a transaction rolled back with the sequences put back."""

    def __init__(self, url: str, statements: list):
        self.statements = statements
        self.connection = raw_connection(url)
        self.sequences = Sequences(url)
        self.backend = []
        if engine_name(url) == "postgresql":
            self.backend = [self.connection.execute("SELECT pg_backend_pid()").fetchone()[0]]
            self.connection.rollback()

    @property
    def precise(self) -> bool:
        """Whether each replay's CPU is known to the microsecond (the driver's by the process clock; the server's by
        the scheduler's runtime, where the kernel shows it)."""
        return cpu_is_precise(self.backend)

    def once(self) -> tuple[float, float]:
        """Replay them once: (wall seconds, CPU seconds of the driver's process and the database server's)."""
        cpu_started = time.process_time() + cpu_seconds(self.backend)
        started = time.perf_counter()
        cursor = self.connection.cursor()
        statement = None
        try:
            for statement, parameters, many in self.statements:
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters or ())
                if cursor.description is not None:
                    cursor.fetchall()
        except Exception as error:
            self.connection.rollback()
            self.sequences.restore()
            raise ReplayError(error, statement) from error
        finally:
            cursor.close()
        self.connection.rollback()
        wall = time.perf_counter() - started
        cpu = time.process_time() + cpu_seconds(self.backend) - cpu_started
        self.sequences.restore()
        return wall, cpu

    def close(self) -> None:
        try:
            self.connection.close()
        finally:
            self.sequences.close()


def replay_figures(timings: list[float], cpus: list[float], precise: bool, statements: int | None = None) -> dict:
    """Median and p95 wall-clock milliseconds of replays, their CPU milliseconds (machine.cpu_figure), and how many
    statements each."""
    figures = {**stats(timings), "cpu_ms": cpu_figure(cpus, precise)}
    return figures if statements is None else {**figures, "statements": statements}


def replay(url: str, statements: list, repeats: int, limit_s: float = 20) -> dict:
    """The statements `repeats` times, each time in a transaction rolled back (sequences put back): the median and
    p95 wall-clock milliseconds and the mean CPU milliseconds per replay (driver plus database server), or the error
    that stopped it. Stops repeating after `limit_s` seconds."""
    replayer = Replayer(url, statements)
    timings, cpus = [], []
    deadline = time.monotonic() + limit_s
    try:
        for _ in range(repeats):
            if timings and time.monotonic() > deadline:
                break
            try:
                wall, used = replayer.once()
            except ReplayError as error:  # the floor is reported unavailable, the run goes on
                return {"error": str(error), "statement": error.statement}
            timings.append(wall)
            cpus.append(used)
        return replay_figures(timings, cpus, replayer.precise, len(statements))
    finally:
        replayer.close()
