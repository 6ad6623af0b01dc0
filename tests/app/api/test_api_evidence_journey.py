"""As a new user would: a token created on the account page, an entry recorded with it, seen on the logbook page,
sent for sign-off and seen by the supervisor over their own token; then the token revoked on the page and the next
call refused."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from tests.factories import SupervisorFactory, TraineeFactory, assign
from tests.support import clock
from tests.support.api import assert_problem, bearer
from tests.support.clients import Browser
from trainee_portal.extensions import db
from trainee_portal.models import ApiToken, EvidenceEntry


def test_a_token_from_the_account_page_records_an_entry_asks_for_sign_off_and_stops_when_revoked(app):
    trainee, supervisor = TraineeFactory(name="Dr New Trainee"), SupervisorFactory(name="Dr Her Supervisor")
    assign(supervisor, trainee)
    browser = Browser(app)
    assert browser.post("/login", data={"email": trainee.email, "password": TEST_PASSWORD}).status_code == 302

    created = browser.post(
        "/account/tokens", data={"name": "Logbook app", "scopes": ["read", "evidence:write"], "lifetime": "30"}
    )
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r"ptp_[A-Za-z0-9_-]{43}", created.get_data(as_text=True)).group(0)
    api = Browser(app)  # each call in its own app context and database session, as a separate client
    headers = {"Authorization": f"Bearer {secret}"}

    recorded = api.post(
        "/api/v1/evidence",
        headers=headers,
        json={
            "evidence_type": "logbook.clinic",
            "occurred_on": clock.days_ago(1).isoformat(),
            "title": "New patient pain clinic",
            "supervision_level": "2b",
            "setting": "outpatient",
            "competencies": ["S3_PM_01"],
        },
    )
    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    entry_id = recorded.get_json()["id"]
    assert "New patient pain clinic" in browser.get("/logbook/").get_data(as_text=True)

    [me_supervisor] = api.get("/api/v1/me", headers=headers).get_json()["trainee"]["supervisors"]
    asked = api.post(
        f"/api/v1/evidence/{entry_id}/signoff-requests", headers=headers, json={"supervisor_id": me_supervisor["id"]}
    )
    assert asked.status_code == 201, asked.get_data(as_text=True)
    seen = api.get(f"/api/v1/evidence/{entry_id}", headers=bearer(supervisor)).get_json()
    assert seen["status"] == "submitted" and seen["signoff"]["pending_request"]["supervisor"]["name"] == "Dr Her Supervisor"

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == trainee.id))
    assert browser.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    refused = api.get(f"/api/v1/evidence/{entry_id}", headers=headers)
    assert_problem(refused, 401)
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert db.session.get(EvidenceEntry, entry_id).status == "submitted"
