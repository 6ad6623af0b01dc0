"""Oversized bodies and uploads are refused with 413 and a clear message (JSON for JSON callers); nothing is stored."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.factories import TraineeFactory
from trainee_portal.extensions import db
from trainee_portal.models import User


def test_oversized_form_post_is_refused_with_a_clear_page(client, app):
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post("/login", data={"email": "a@b.nhs.uk", "password": "x" * too_big})
    assert response.status_code == 413
    page = response.data.decode()
    assert "too large" in page and "10 MB" in page and "Nothing was saved" in page


def test_oversized_upload_is_refused(client, login, app):
    login(TraineeFactory())
    users = db.session.scalar(select(func.count()).select_from(User))
    blob = io.BytesIO(b"%PDF-1.4\n" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    response = client.post("/account/password", data={"file": (blob, "huge.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(User)) == users


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_too_much_typed_text_is_refused(client, login, content_type):
    login(TraineeFactory())
    response = client.post("/account/password", data={"current_password": "x" * 600_000}, content_type=content_type)
    assert response.status_code == 413 and "too large" in response.data.decode()


def test_json_callers_get_json_errors(client):
    response = client.post("/login", data=b"{" + b" " * (13 * 1024 * 1024) + b"}", content_type="application/json")
    assert response.status_code == 413 and response.is_json
    assert set(response.get_json()) == {"error", "detail"}
    missing = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.get_json()["error"] == "Page not found"
    assert client.get("/no-such-page").mimetype == "text/html"


def test_json_posted_to_a_form_page_is_refused_with_415_in_json(client, login):
    login(TraineeFactory())
    response = client.post("/account/password", json={"current_password": "x", "new_password": "y"})
    assert response.status_code == 415 and response.is_json
    assert "form" in response.get_json()["detail"]


def test_an_unreachable_database_gives_a_clear_503_not_a_500(app, client, login, monkeypatch):
    from sqlalchemy.exc import OperationalError

    login(TraineeFactory())

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    monkeypatch.setattr(db.session, "scalars", unreachable)
    monkeypatch.setattr(db.session, "scalar", unreachable)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/logbook/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "was not saved" in response.data.decode()
