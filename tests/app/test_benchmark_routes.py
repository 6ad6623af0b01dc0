"""The benchmark's opt-in floor routes and statement counter: absent from the app by default; when on, the plain route
answers a fixed text, the bare route draws the base layout for the signed-in user, and the bare write inserts one row
through sign-in and the CSRF check and redirects, saying plainly when its table is missing; every answer counts its
statements."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from benchmarks.floor_table import BARE_WRITE_METADATA, bare_write_table, create_bare_write_table
from tests.app.platform.helpers import csrf_app, page_token, sign_in_with_token
from tests.factories import TraineeFactory
from trainee_portal.extensions import db


@pytest.fixture
def bench(app, database_url, instance_dir):
    application = csrf_app(database_url, instance_dir, BENCHMARK_SQL_COUNT=True, BENCHMARK_BARE_ROUTE=True)
    yield application
    BARE_WRITE_METADATA.drop_all(db.engine, checkfirst=True)  # the suite's schema stays the models' exactly
    with application.app_context():
        db.engine.dispose()


def _rows() -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(bare_write_table)).scalar()


def test_the_routes_and_the_header_are_off_by_default(client):
    for path in ("/_benchmark/plain", "/_benchmark/bare"):
        response = client.get(path)
        assert response.status_code == 404
        assert "X-SQL-Queries" not in response.headers


def test_plain_route_is_public_and_counts_statements(bench):
    response = bench.test_client().get("/_benchmark/plain")
    assert response.status_code == 200 and response.data == b"ok\n"
    assert response.headers["X-SQL-Queries"] == "0"  # nobody signed in: nothing to load


def test_bare_route_draws_the_layout_for_the_signed_in_user(bench):
    assert bench.test_client().get("/_benchmark/bare").status_code == 302  # to sign in, like any page
    trainee = TraineeFactory(name="Dr Bare Layout")
    client = sign_in_with_token(bench.test_client(), trainee)
    response = client.get("/_benchmark/bare")
    html = response.data.decode()
    assert response.status_code == 200
    assert "Dr Bare Layout" in html and "Sign out" in html and "nhsuk-footer" in html and 'id="maincontent"' in html
    assert int(response.headers["X-SQL-Queries"]) >= 2  # the user and their roles, at least


def test_bare_write_inserts_one_row_through_sign_in_and_csrf(bench):
    create_bare_write_table(db.engine)
    anonymous = bench.test_client()
    token = page_token(anonymous.get("/login").data.decode())
    assert anonymous.post("/_benchmark/bare-write", data={"csrf_token": token}).status_code == 302
    client = sign_in_with_token(bench.test_client(), TraineeFactory())
    assert client.post("/_benchmark/bare-write").status_code == 400  # no CSRF token
    assert _rows() == 0
    token = page_token(client.get("/_benchmark/bare").data.decode())
    response = client.post("/_benchmark/bare-write", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/_benchmark/bare")
    assert int(response.headers["X-SQL-Queries"]) >= 2  # the signed-in user (with their roles), the insert
    assert _rows() == 1


def test_bare_write_says_its_table_is_missing_without_failing(bench):
    client = sign_in_with_token(bench.test_client(), TraineeFactory())
    token = page_token(client.get("/_benchmark/bare").data.decode())
    response = client.post("/_benchmark/bare-write", data={"csrf_token": token})
    assert response.status_code == 503
    assert b"table is missing" in response.data
