"""The account page of personal access tokens: a new token's secret is shown once, on the answer to its POST alone;
only its hash is stored; the page offers, and the server grants, only the scopes the account's roles allow; revoking
needs the owner, a CSRF token and a live token; someone else's token is not found."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from competencies import api_tokens as rules
from tests.app.platform.helpers import csrf_app, page_token, sign_in_with_token
from tests.factories import AdminFactory, DirectorFactory, SupervisorFactory, TraineeFactory
from trainee_portal.auth import api_tokens, tokens
from trainee_portal.extensions import db
from trainee_portal.models import ApiToken, AuditRecord, OutboxMessage
from trainee_portal.platform.clock import uk_today, utcnow

SECRET = re.compile(r"ptp_[A-Za-z0-9_-]{43}")


def _create(client, name="Rota app", scopes=("read",), lifetime="90"):
    return client.post("/account/tokens", data={"name": name, "scopes": list(scopes), "lifetime": lifetime})


def _body(response) -> str:
    return response.get_data(as_text=True)


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(app, client, login):
    trainee = TraineeFactory(name="Dr Tia Trainee")
    login(trainee)
    response = _create(client, scopes=("read", "evidence:write"))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    page = _body(response)
    secrets_shown = set(SECRET.findall(page))
    assert len(secrets_shown) == 1, "the new page shows exactly one secret"
    secret = secrets_shown.pop()
    assert "will not be shown again" in page
    assert f'curl -H "Authorization: Bearer {secret}" http://localhost/api/v1/me' in page
    assert 'href="/api/v1/docs"' in page
    assert "<script>" not in page and "js/copy-token.js" in page

    row = db.session.execute(select(ApiToken.__table__)).one()._mapping
    assert row["token_hash"] == rules.hash_secret(secret)
    assert secret not in {str(value) for value in row.values()}
    assert row["scopes"] == "read evidence:write" and row["user_id"] == trainee.id
    assert tokens.authenticate(secret).id == row["id"]

    listing = client.get("/account/tokens")
    assert listing.status_code == 200
    text = _body(listing)
    assert secret not in text and not SECRET.search(text), "a later GET never shows the secret"
    assert f"{secret[:12]}…" in text and "Rota app" in text and "Read, Write evidence" in text and "Never" in text
    assert "Live" in text
    with client.session_transaction() as session:
        assert secret not in repr(dict(session)), "the secret never goes into the session"
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "api_token.created"))
    assert audit.actor_id == trainee.id and audit.subject_id == row["id"] and secret not in audit.payload


def test_the_form_offers_only_the_scopes_the_roles_allow_with_each_explanation(app, client, login):
    login(TraineeFactory())
    page = _body(client.get("/account/tokens"))
    offered = set(re.findall(r'name="scopes" type="checkbox" value="([^"]+)"', page)) or set(
        re.findall(r'type="checkbox" name="scopes" value="([^"]+)"', page)
    )
    assert offered == {"read", "evidence:write"}
    for scope in rules.SCOPES:
        if scope.name in offered:
            assert scope.explanation in page
    assert rules.SCOPE_LABELS["cohort:read"] not in page
    default = uk_today() + timedelta(days=rules.DEFAULT_LIFETIME_DAYS)
    assert f"{rules.DEFAULT_LIFETIME_DAYS} days (until {default.strftime('%-d %B %Y')})" in page
    assert re.search(rf'value="{rules.DEFAULT_LIFETIME_DAYS}" checked', page)
    client.post("/logout")

    login(DirectorFactory())
    page = _body(client.get("/account/tokens"))
    assert 'value="cohort:read"' in page and 'value="evidence:write"' not in page and 'value="signoff"' not in page


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        (("read", "signoff"), "Your account cannot grant this scope: Sign off."),
        (("cohort:read",), "Your account cannot grant this scope: Cohort read."),
        (("read", "admin"), "Unknown scope: admin."),
    ],
)
def test_a_forged_scope_is_refused_and_nothing_is_lost(app, client, login, scopes, message):
    login(TraineeFactory())
    response = _create(client, name="Forged", scopes=scopes, lifetime="30")
    assert response.status_code == 400
    page = _body(response)
    assert "There is a problem" in page and message in page
    assert 'value="Forged"' in page and re.search(r'value="30" checked', page)
    assert not SECRET.search(page)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scopes": ["read"], "lifetime": "90"}, "Give the token a name"),
        ({"name": "x" * (rules.NAME_MAX + 1), "scopes": ["read"], "lifetime": "90"}, "at most 80 characters"),
        ({"name": "App", "lifetime": "90"}, "Choose at least one scope."),
        ({"name": "App", "scopes": ["read"]}, "Choose when the token expires."),
        ({"name": "App", "scopes": ["read"], "lifetime": "9999"}, "Not a valid choice"),
        ({"name": "Clinic 943 476 5919", "scopes": ["read"], "lifetime": "90"}, "it looks like an NHS number"),
    ],
)
def test_bad_input_is_a_clear_message_not_a_token(app, client, login, data, message):
    login(SupervisorFactory())
    response = client.post("/account/tokens", data=data)
    assert response.status_code == 400
    assert "There is a problem" in _body(response) and message in _body(response)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_the_most_live_tokens_an_account_may_hold_is_refused_by_name(app, client, login):
    trainee = TraineeFactory()
    for n in range(rules.MAX_ACTIVE_TOKENS):
        tokens.create(trainee, f"App {n}", ["read"], uk_today() + timedelta(days=30))
    db.session.commit()
    login(trainee)
    response = _create(client, name="One too many")
    assert response.status_code == 400 and "revoke one you no longer use first" in _body(response)
    assert 'value="One too many"' in _body(response)


def test_the_owner_revokes_a_live_token_and_it_stops_working(app, client, login):
    trainee = TraineeFactory()
    login(trainee)
    secret = SECRET.search(_body(_create(client))).group(0)
    token = db.session.scalar(select(ApiToken))
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == "/account/tokens"
    page = _body(client.get("/account/tokens"))
    assert "is revoked" in page and "Revoked" in page
    assert f"/account/tokens/{token.id}/revoke" not in page, "a revoked token has no Revoke button"
    db.session.expire_all()
    assert tokens.authenticate(secret) is None
    revoked = db.session.get(ApiToken, token.id)
    assert revoked.revoked_by_id == trainee.id
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "api_token.revoked"))
    assert audit.actor_id == trainee.id and audit.subject_id == token.id
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0, "the owner is not told of their own act"
    again = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "was already revoked" in _body(again)
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "api_token.revoked")) == 1


def test_someone_elses_token_is_not_found_and_not_shown(app, client, login):
    owner, other = TraineeFactory(), TraineeFactory()
    token, secret = tokens.create(owner, "Owner rota app", ["read"], uk_today() + timedelta(days=30))
    db.session.commit()
    login(other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/account/tokens/2000000000/revoke").status_code == 404
    page = _body(client.get("/account/tokens"))
    assert "Owner rota app" not in page and token.shown_part not in page
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert tokens.authenticate(secret) is not None


def test_an_administrator_revokes_from_the_administration_page_not_the_account_page(app, client, login):
    owner = TraineeFactory()
    token, _secret = tokens.create(owner, "Rota app", ["read"], uk_today() + timedelta(days=30))
    db.session.commit()
    login(AdminFactory())
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_signed_out_callers_are_sent_to_sign_in(app, client):
    assert client.get("/account/tokens").headers["Location"].startswith("/login")
    assert client.post("/account/tokens", data={"name": "x"}).headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_creating_and_revoking_need_the_csrf_token(app, database_url, instance_dir):
    protected = csrf_app(database_url, instance_dir)
    trainee = TraineeFactory()
    client = sign_in_with_token(protected.test_client(), trainee)
    data = {"name": "Rota app", "scopes": ["read"], "lifetime": "30"}
    assert client.post("/account/tokens", data=data).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    form_token = page_token(client.get("/account/tokens").get_data(as_text=True))
    created = client.post("/account/tokens", data=data | {"csrf_token": form_token})
    assert created.status_code == 200 and SECRET.search(created.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": form_token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_rows_read_expired_revoked_and_last_use(app, clock):
    trainee = TraineeFactory()
    token, _ = tokens.create(trainee, "Rota app", ["read", "evidence:write"], uk_today() + timedelta(days=30))
    db.session.commit()
    row = api_tokens.row(token)
    assert (row.status, row.last_used, row.scopes) == ("live", "Never", "Read, Write evidence")
    assert row.expires == (uk_today() + timedelta(days=30)).strftime("%-d %b %Y")
    now = utcnow()
    assert api_tokens.last_used_text(now - timedelta(seconds=5), now) == "Just now"
    assert api_tokens.last_used_text(now - timedelta(minutes=12), now) == "12 minutes ago"
    late_evening = datetime(2026, 12, 2, 23, 30)  # naive UTC, as stored
    assert api_tokens.last_used_text(late_evening - timedelta(days=40), late_evening) == "24 Oct 2026", (
        "23:30 UTC on 23 October is 00:30 on the 24th in UK summer time"
    )
    assert api_tokens.last_used_text(late_evening - timedelta(days=3), late_evening) == "29 Nov 2026"
    assert api_tokens.last_used_text(datetime(2026, 7, 1, 23, 30), datetime(2026, 7, 2, 9, 0)) == "Today at 00:30"
    token.expires_at = utcnow() - timedelta(seconds=1)
    assert api_tokens.row(token).status == "expired"
    tokens.revoke(token, trainee)
    db.session.commit()
    row = api_tokens.row(token)
    assert row.status == "revoked" and row.revoked_note is None, "the owner's own revocation names no administrator"
    admin = AdminFactory(name="Alex Admin")
    token.revoked_by_id, token.revoked_at = admin.id, datetime(2026, 7, 1, 23, 30)  # 00:30 on 2 July in the UK
    db.session.commit()
    assert api_tokens.row(token).revoked_note == "by Alex Admin, an administrator, on 2 Jul 2026"
