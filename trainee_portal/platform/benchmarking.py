"""Opt-in instrumentation for benchmarks/run.py: SQL statements per request and the floor routes; all off by default.

BENCHMARK_SQL_COUNT adds an X-SQL-Queries header (statements the request ran) to every response.
BENCHMARK_BARE_ROUTE registers the floor routes, each through the same app, middleware and session as every page:

- /_benchmark/plain: a fixed text response, public, no database work and no template (for reference);
- /_benchmark/bare: the site's base layout with no content for the signed-in user (header, navigation, footer):
  the framework cost every page pays;
- /_benchmark/bare-write (POST): signed in and CSRF-checked like any form, inserts one row and commits, then
  redirects as a saved form does: the durable-write floor. Its table (BARE_WRITE_TABLE) is not part of the app's
  schema and the app never makes it: benchmarks/floor_table.py defines it and the benchmark creates it on the
  throwaway copy it measures.
"""

from __future__ import annotations

from contextvars import ContextVar

from flask import Flask, g, redirect, render_template_string, url_for
from flask_login import current_user
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError

from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow

PLAIN_BODY = b"ok\n"
BARE_LAYOUT = '{% extends "base.html" %}'  # the layout alone: no content block, no page queries

BARE_WRITE_TABLE = "benchmark_bare_write"
_BARE_INSERT = text(f"INSERT INTO {BARE_WRITE_TABLE} (user_id, created_at, note) VALUES (:user_id, :created_at, :note)")


def init_app(app: Flask) -> None:
    if app.config.get("BENCHMARK_SQL_COUNT"):
        _count_queries(app)
    if app.config.get("BENCHMARK_BARE_ROUTE"):
        _floor_routes(app)


# The request's statement count: a one-item list set when the request starts and dropped when it ends, so that a
# statement sent outside a request (a command, a test's setup) is counted nowhere. A context variable, not flask.g:
# the count runs on every statement, and the instrument should cost the request as little as it can.
_statements: ContextVar[list[int] | None] = ContextVar("benchmark_statements", default=None)


def _count_queries(app: Flask) -> None:
    def count(*_args, **_kwargs):
        counter = _statements.get()
        if counter is not None:
            counter[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)

    def start_count():
        g.sql_count_token = _statements.set([0])

    # First of the before-request functions, so the signed-in user's load (require_login's) is counted too.
    app.before_request_funcs.setdefault(None, []).insert(0, start_count)

    @app.after_request
    def sql_header(response):
        counter = _statements.get()
        response.headers["X-SQL-Queries"] = str(counter[0] if counter is not None else 0)
        return response

    @app.teardown_request
    def end_count(_error=None):
        token = g.pop("sql_count_token", None)
        if token is not None:
            _statements.reset(token)


def _floor_routes(app: Flask) -> None:
    @app.route("/_benchmark/plain", methods=["GET", "POST"])
    @policy.public
    def benchmark_plain():
        return PLAIN_BODY, 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.route("/_benchmark/bare")
    @policy.requires(policy.is_signed_in)
    def benchmark_bare():
        return render_template_string(BARE_LAYOUT, page_title="Benchmark floor")

    @app.route("/_benchmark/bare-write", methods=["POST"])
    @policy.requires(policy.is_signed_in)
    def benchmark_bare_write():
        try:
            db.session.execute(_BARE_INSERT, {"user_id": current_user.id, "created_at": utcnow(), "note": "benchmark floor"})
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            return (
                "The benchmark's bare-write table is missing: benchmarks.run creates it on the copy it measures.\n",
                503,
                {"Content-Type": "text/plain; charset=utf-8"},
            )
        return redirect(url_for("benchmark_bare"))
