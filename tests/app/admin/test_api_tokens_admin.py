"""Administration of personal access tokens: every token listed (live or all, by owner's email, paged), any live
token revoked by an administrator with its owner told who did it, the user's page listing their tokens; nobody
else reaches these pages or revokes through them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.app.platform.helpers import csrf_app, page_token, sign_in_with_token
from tests.factories import AdminFactory, DirectorFactory, SupervisorFactory, TraineeFactory
from trainee_portal.auth import tokens
from trainee_portal.extensions import db
from trainee_portal.models import ApiToken, AuditRecord, OutboxMessage
from trainee_portal.platform.clock import uk_today, utcnow


@pytest.fixture
def admin(app):
    return AdminFactory(name="Alex Admin")


def _token(user, name="Rota app", scopes=("read",), days=30):
    token, secret = tokens.create(user, name, list(scopes), uk_today() + timedelta(days=days))
    db.session.commit()
    return token, secret


def test_only_administrators_reach_the_token_pages(app, client, login):
    owner = TraineeFactory()
    token, secret = _token(owner)
    for user in (DirectorFactory(), SupervisorFactory(), TraineeFactory(), owner):
        login(user)
        assert client.get("/admin/tokens").status_code == 403
        assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 403
        client.post("/logout")
    assert client.get("/admin/tokens").headers["Location"].startswith("/login")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert tokens.authenticate(secret) is not None


def test_the_list_shows_every_live_token_and_filters_by_status_and_email(app, client, login, admin):
    ann = TraineeFactory(name="Dr Ann Able", email="ann.able@example.nhs.uk")
    bob = SupervisorFactory(name="Dr Bob Baker", email="bob.baker@example.nhs.uk")
    _token(ann, "Ann rota app")
    _token(bob, "Bob logbook", scopes=("read", "signoff"))
    gone, _ = _token(ann, "Ann old app")
    tokens.revoke(gone, ann)
    db.session.commit()
    login(admin)
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "Ann rota app" in page and "Bob logbook" in page and "Ann old app" not in page
    assert "ann.able@example.nhs.uk" in page and "Read, Sign off" in page and "2 tokens" in page
    every = client.get("/admin/tokens?status=all").get_data(as_text=True)
    assert "Ann old app" in every and "Revoked" in every and "3 tokens" in every
    assert f"/admin/tokens/{gone.id}/revoke" not in every, "a revoked token has no Revoke button"
    bobs = client.get("/admin/tokens?status=all&q=BOB.baker").get_data(as_text=True)
    assert "Bob logbook" in bobs and "Ann " not in bobs and "1 token" in bobs
    # The search is a literal substring, not a LIKE pattern or SQL.
    for tampered in ("%", "_", "' OR 1=1 --", "bob%baker"):
        response = client.get("/admin/tokens", query_string={"status": "all", "q": tampered})
        assert response.status_code == 200 and "No tokens match." in response.get_data(as_text=True), tampered
    assert client.get("/admin/tokens?status=nonsense&page=abc").status_code == 200


def test_the_list_is_paged(app, client, login, admin):
    from trainee_portal.admin.routes import PAGE_SIZE

    owners = [TraineeFactory() for _ in range(3)]
    for n in range(PAGE_SIZE + 1):
        tokens.create(owners[n % 3], f"App {n:03d}", ["read"], uk_today() + timedelta(days=30))
    db.session.commit()
    login(admin)
    first = client.get("/admin/tokens").get_data(as_text=True)
    second = client.get("/admin/tokens?page=2").get_data(as_text=True)
    assert f"App {PAGE_SIZE:03d}" in first and "App 000" not in first, "newest first"
    assert "App 000" in second and f"App {PAGE_SIZE:03d}" not in second


def test_an_administrator_revokes_anyones_token_and_the_owner_is_told(app, client, login, admin):
    owner = TraineeFactory(name="Dr Tia Trainee")
    token, secret = _token(owner, "Tia's rota app")
    login(admin)
    response = client.post(f"/admin/tokens/{token.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/tokens"
    assert "they have been told" in client.get("/admin/tokens").get_data(as_text=True)
    db.session.expire_all()
    assert tokens.authenticate(secret) is None
    revoked = db.session.get(ApiToken, token.id)
    assert revoked.revoked_by_id == admin.id and revoked.revoked_at is not None
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "api_token.revoked"))
    assert audit.actor_id == admin.id and audit.subject_id == token.id
    notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == owner.id))
    assert notice is not None and notice.to_email == owner.email and notice.link == "/account/tokens"
    assert "Tia's rota app" in notice.subject
    assert "Alex Admin, an administrator" in notice.body and token.shown_part in notice.body
    assert secret not in notice.body

    client.post("/logout")
    login(owner)
    mine = client.get("/account/tokens").get_data(as_text=True)
    assert "Revoked" in mine and "by Alex Admin, an administrator" in mine
    assert "was revoked" in client.get("/notifications/").get_data(as_text=True)

    client.post("/logout")
    login(admin)
    again = client.post(f"/admin/tokens/{token.id}/revoke", follow_redirects=True).get_data(as_text=True)
    assert "was already revoked" in again
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1, "one notice, not one per click"


def test_an_administrator_revoking_their_own_token_is_not_notified(app, client, login, admin):
    token, _ = _token(admin)
    login(admin)
    client.post(f"/admin/tokens/{token.id}/revoke")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_users_page_lists_their_tokens_and_revokes_back_to_it(app, client, login, admin):
    owner = TraineeFactory()
    live, _ = _token(owner, "Live app")
    expired, _ = _token(owner, "Old app")
    expired.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    _token(TraineeFactory(), "Someone else app")
    login(admin)
    page = client.get(f"/admin/users/{owner.id}").get_data(as_text=True)
    assert "Live app" in page and "Old app" in page and "Expired" in page and "Someone else app" not in page
    assert f"/admin/tokens/{live.id}/revoke" in page and f"/admin/tokens/{expired.id}/revoke" not in page
    response = client.post(f"/admin/tokens/{live.id}/revoke", data={"back": "user"})
    assert response.headers["Location"] == f"/admin/users/{owner.id}#api-tokens"
    response = client.post(f"/admin/tokens/{expired.id}/revoke", data={"back": "https://elsewhere.example"})
    assert response.headers["Location"] == "/admin/tokens", "only the user's page is a way back"


def test_a_missing_token_is_not_found(app, client, login, admin):
    login(admin)
    assert client.post("/admin/tokens/2000000000/revoke").status_code == 404


def test_revoking_needs_the_csrf_token(app, database_url, instance_dir):
    protected = csrf_app(database_url, instance_dir)
    admin = AdminFactory()
    token, _ = _token(TraineeFactory())
    client = sign_in_with_token(protected.test_client(), admin)
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    form_token = page_token(client.get("/admin/tokens").get_data(as_text=True))
    assert client.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": form_token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
