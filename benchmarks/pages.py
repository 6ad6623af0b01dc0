"""What the benchmark measures: the key pages, who views each, the evidence write, and their SQL captured for the floor.

The raw-SQL floor of a page is the page's own statements, captured from one request and replayed
straight through the DB driver (no Flask, ORM or template), so it moves with the pages as they change.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from benchmarks.client import FormReader
from benchmarks.dataset import DOMAIN
from benchmarks.generate import BENCH_PASSWORD


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    user: str  # local part of the generated account's email
    args: dict = field(default_factory=dict)


PAGES = [  # the pages each generated account opens, in the order they are timed
    Page(name, endpoint, user)
    for user, pages in {
        "trainee": [
            ("trainee dashboard", "dashboard.index"),
            ("stage page", "stage_higher.index"),
            ("logbook list", "logbook.index"),
        ],
        "supervisor": [("supervisor queue", "signoff.queue")],
        "director": [("cohort dashboard", "cohort.dashboard"), ("exam pipeline", "exams.pipeline")],
    }.items()
    for name, endpoint in pages
]
# The director's view of one ARCP panel (the first region's, London's, the largest): read from the readiness read model.
PAGES.append(Page("ARCP panel", "panels.detail", "director", {"panel_id": 1}))
WRITE = Page("log evidence entry", "logbook.new", "trainee")


def email(user: str) -> str:
    return f"{user}@{DOMAIN}"


def path_for(app, page: Page) -> str:
    with app.test_request_context():
        return url_for(page.endpoint, **page.args)


def write_form(body: bytes, today: date) -> list[tuple[str, str]]:
    """The new-evidence form as a trainee would fill it: a clinic on one competency of their stage."""
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


class Capture:
    """Collects (statement, parameters) the app sends to the database during one test-client request."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[tuple[str, object, bool]] = []
        self.active = False

    def __enter__(self):
        self.statements = []
        self.active = True
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        self.active = False
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append((statement, parameters, executemany))


def capture_requests(app, plan: list[tuple[Page, str]], today: date) -> dict[str, dict]:
    """Each page once through the test client (signed in through the real login form): its SQL and status."""
    from trainee_portal.extensions import db

    out: dict[str, dict] = {}
    clients: dict[str, object] = {}
    with app.app_context():
        engine = db.engine
    for page, path in plan:
        client = clients.get(page.user)
        if client is None:
            client = clients[page.user] = app.test_client()
            response = client.post("/login", data={"email": email(page.user), "password": BENCH_PASSWORD})
            if response.status_code != 302:
                raise RuntimeError(f"capture: cannot sign in as {page.user} ({response.status_code})")
        if page is WRITE:
            form = write_form(client.get(path).data, today)
            with Capture(engine) as capture:
                response = client.post(path, data=MultiDict(form))
        else:
            client.get(path)  # warm the per-process caches (curriculum registry) as a running worker has them
            with Capture(engine) as capture:
                response = client.get(path)
        out[page.name] = {"status": response.status_code, "statements": capture.statements, "queries": len(capture.statements)}
        if page is WRITE:
            # The new entry's id (from the redirect to it), so the replay can point later statements at its own row.
            found = re.search(r"/(\d+)(?:/|$)", response.headers.get("Location", ""))
            out[page.name]["created_id"] = int(found.group(1)) if found else None
    return out


def _swap(parameters, old, new):
    if isinstance(parameters, dict):
        return {k: new if v == old and isinstance(v, int) else v for k, v in parameters.items()}
    if isinstance(parameters, (list, tuple)):
        if parameters and isinstance(parameters[0], (list, tuple, dict)):
            return [_swap(p, old, new) for p in parameters]
        return tuple(new if v == old and isinstance(v, int) and not isinstance(v, bool) else v for v in parameters)
    return parameters


def _with_audit_id(statement: str, parameters, audit_id: int):
    """The captured INSERT of an audit record with the sequence this replay claimed and a hash of its own, not the
    ones the captured request committed (re-sending those would break audit_record's unique keys; the replay is
    rolled back, so the hash need only be unique)."""
    fresh = {"id": audit_id, "record_hash": secrets.token_hex(32)}
    if isinstance(parameters, dict):
        return {**parameters, **{k: v for k, v in fresh.items() if k in parameters}}
    columns = statement.split("(", 1)[1].split(")", 1)[0].replace('"', "").split(",")
    names = [c.strip() for c in columns]
    if not isinstance(parameters, (list, tuple)):
        return parameters
    values = list(parameters)
    for name, value in fresh.items():
        if name in names:
            values[names.index(name)] = value
    return tuple(values)


def replay(
    connection, dialect: str, statements, repeats: int, write: bool, created_id: int | None = None
) -> tuple[list[float], float]:
    """Replays a page's statements on a raw DB-API connection; writes are rolled back.

    Returns wall-clock seconds per replay and the mean CPU seconds per replay (driver plus database server).

    A write's INSERT of the entry makes a new row each time; its id replaces the captured one in later statements.
    """
    timings = []
    backend = []
    if dialect == "postgresql":
        from benchmarks.machine import cpu_seconds

        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        connection.rollback()
        backend = [pid]
    cpu_started = time.process_time() + (cpu_seconds(backend) if backend else 0)
    for _ in range(repeats):
        started = time.perf_counter()
        cursor = connection.cursor()
        new_id = audit_id = None
        for statement, parameters, many in statements:
            if not write and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                continue
            if new_id is not None and created_id is not None:
                parameters = _swap(parameters, created_id, new_id)
            flat = statement.replace('"', "")
            if audit_id is not None and not many and flat.lstrip().upper().startswith("INSERT INTO AUDIT_RECORD"):
                parameters = _with_audit_id(flat, parameters, audit_id)
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters or ())
            rows = cursor.fetchall() if cursor.description is not None else None
            if write and new_id is None and "INSERT INTO evidence_entry" in flat:
                new_id = rows[0][0] if rows else cursor.lastrowid
            if write and rows and "FROM audit_head" in flat and flat.lstrip().upper().startswith("SELECT"):
                audit_id = rows[0][0]  # the sequence this replay's UPDATE of the head claimed
        cursor.close()
        connection.rollback()
        timings.append(time.perf_counter() - started)
    cpu = (time.process_time() + (cpu_seconds(backend) if backend else 0) - cpu_started) / max(repeats, 1)
    return timings, cpu


def raw_connection(url: str):
    """A plain driver connection with the app's SQLite settings (WAL, busy timeout)."""
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.split("sqlite:///", 1)[1], timeout=15)
        connection.execute("PRAGMA busy_timeout=15000")
        return connection, "sqlite"
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")), "postgresql"
