"""The demo gives the supervisor's and the administrator's home something real to show, through the app's services."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, CurriculumUpload, User


@pytest.fixture
def demo(app):
    load_demo()


def _text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", response.data.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",").replace(" :", ":")


def _home(client, local: str) -> str:
    assert client.post("/login", data={"email": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}).status_code == 302
    return _text(client.get("/"))


@pytest.mark.parametrize("hour", [0, 2, 12, 23])
def test_admin_home_shows_an_invited_account_a_draft_and_an_email_not_sent(client, app, clock, hour):
    clock.set(datetime(2026, 12, 2, hour, 30))  # "2 days ago" at any time of day, just after midnight included
    load_demo()
    text = _home(client, "admin")
    assert "1 account awaiting first sign-in, invited 2 days ago" in text
    assert "1 curriculum draft waiting to be checked and activated" in text
    assert "1 email not sent, queued 2 days ago" in text
    invited = db.session.scalar(select(User).where(User.email == f"ben.carter@{DEMO_DOMAIN}"))
    assert invited.must_change_password and invited.last_login_at is None
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "account.invited")) == 1
    draft = db.session.scalar(select(CurriculumUpload).where(CurriculumUpload.status == "draft"))
    assert draft.version == "2021.1"


def test_the_invited_account_signs_in_with_the_demo_password_and_must_choose_its_own(client, demo):
    response = client.post("/login", data={"email": f"ben.carter@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and "password" in response.headers["Location"]


def test_supervisor_home_shows_what_waits_and_who_is_returned(client, demo):
    text = _home(client, "supervisor")
    assert re.search(r"\d+ sign-offs waiting, oldest waiting \d+ days", text)
    assert "1 MSF round ready for you to release" in text
    assert "Dr Aisha Khan: HALO for Stage 1" in text
    assert "Dr Aisha Khan: 1 entry returned, not yet sent again" in text
    assert "Dr Fiona Campbell" not in text  # North West: not theirs
