"""The SQL statements a piece of code sends, for tests that a page's cost does not grow with the data."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from trainee_portal.extensions import db


def statements_during(action: Callable[[], object]) -> list[str]:
    """Run `action` with the session's identity map emptied (nothing cached from setting up) and return every
    statement it sent to the database, in order."""
    seen: list[str] = []
    db.session.expire_all()

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def home_statements(client) -> int:
    """How many statements the signed-in caller's home page sends."""

    def visit():
        assert client.get("/").status_code == 200

    return len(statements_during(visit))


def page_statements(client, path: str) -> list[str]:
    """The statements one GET of `path` sends (it must answer 200), with the curriculum registry freshly loaded so
    its once-a-minute check for new uploads does not fall inside the request."""
    from trainee_portal import curricula

    curricula.registry(force=True)

    def visit():
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    return statements_during(visit)
