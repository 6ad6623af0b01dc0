"""Opt-in instrumentation for benchmarks/run.py: SQL statements per request and a bare floor route; both off by default.

BENCHMARK_SQL_COUNT adds an X-SQL-Queries header; BENCHMARK_BARE_ROUTE registers /_benchmark/bare.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context
from sqlalchemy import event

from trainee_portal.extensions import db
from trainee_portal.policy import public

BARE_BODY = b"ok\n"


def init_app(app: Flask) -> None:
    if app.config.get("BENCHMARK_SQL_COUNT"):
        _count_queries(app)
    if app.config.get("BENCHMARK_BARE_ROUTE"):
        _bare_route(app)


def _count_queries(app: Flask) -> None:
    def count(*_args, **_kwargs):
        if has_request_context():
            g.sql_queries = g.get("sql_queries", 0) + 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)

    @app.after_request
    def sql_header(response):
        response.headers["X-SQL-Queries"] = str(g.get("sql_queries", 0))
        return response


def _bare_route(app: Flask) -> None:
    # The same app, middleware and CSRF check as every page, but no database work and no template.
    @app.route("/_benchmark/bare", methods=["GET", "POST"])
    @public
    def benchmark_bare():
        return BARE_BODY, 200, {"Content-Type": "text/plain; charset=utf-8"}
