"""The app's base form: every form derives from it, and its CSRF token is made only when a page draws the form, with
the same token and the same checks as Flask-WTF's."""

from __future__ import annotations

import importlib
import pkgutil

import flask_wtf.csrf
import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

import trainee_portal
from tests.app.logbook.helpers import form_data
from tests.app.platform.helpers import csrf_app, page_token, sign_in_with_token
from tests.factories import TraineeFactory
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry
from trainee_portal.platform.forms import PortalForm


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_app_derives_from_the_portal_form():
    for module in pkgutil.walk_packages(trainee_portal.__path__, "trainee_portal."):
        importlib.import_module(module.name)
    forms = [form for form in _subclasses(FlaskForm) if form.__module__.startswith("trainee_portal.")]
    assert len(forms) > 50
    assert [form for form in forms if not issubclass(form, PortalForm)] == []


@pytest.fixture
def protected(app, database_url, instance_dir):
    return csrf_app(database_url, instance_dir)


@pytest.fixture
def made(monkeypatch):
    """How many CSRF tokens Flask-WTF's generate_csrf made (the form's token is made through it)."""
    calls = []
    real = flask_wtf.csrf.generate_csrf

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(flask_wtf.csrf, "generate_csrf", counted)
    return calls


def test_an_accepted_post_makes_no_token_and_a_drawn_form_carries_one_that_is_accepted(protected, made):
    client = sign_in_with_token(protected.test_client(), TraineeFactory())
    page = client.get("/logbook/new")
    assert page.status_code == 200 and made, "drawing the form makes its token"
    token = page_token(page.data.decode())
    made.clear()
    saved = client.post("/logbook/new", data=form_data(csrf_token=token))
    assert saved.status_code == 302 and made == [], "a save that redirects draws no form and makes no token"


def test_a_refused_form_is_drawn_again_with_a_token_that_is_accepted(protected, made):
    client = sign_in_with_token(protected.test_client(), TraineeFactory())
    token = page_token(client.get("/logbook/new").data.decode())
    made.clear()
    refused = client.post("/logbook/new", data=form_data(title="", csrf_token=token))
    assert refused.status_code == 400 and "Enter a short title" in refused.data.decode() and made
    again = page_token(refused.data.decode())
    assert client.post("/logbook/new", data=form_data(csrf_token=again)).status_code == 302


def _entries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EvidenceEntry))


def test_a_forged_or_missing_token_is_still_refused_before_anything_is_saved(protected):
    client = sign_in_with_token(protected.test_client(), TraineeFactory())
    token = page_token(client.get("/logbook/new").data.decode())
    before = _entries(protected)
    for sent in ({}, {"csrf_token": token[:-2] + "xx"}, {"csrf_token": "not-a-token"}):
        response = client.post("/logbook/new", data=form_data(**sent))
        assert response.status_code == 400 and "Your form expired" in response.data.decode()
    assert _entries(protected) == before
    assert client.post("/logbook/new", data=form_data(csrf_token=token)).status_code == 302
    assert _entries(protected) == before + 1, "the count sees a save, so the refusals above saved nothing"
