"""A hostile database administrator and the api_token table. A scope written into a row by SQL opens nothing the
owner's roles do not (the scope is asked of the roles too); but a row moved to another owner, given a later expiry,
revived after revocation, given a secret's hash the administrator knows, or inserted outright is a working key to
someone's account. verify-audit compares every row with the audit records of its creation and revocation and names
each such row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from competencies import api_tokens as rules
from tests.factories import AdminFactory, SupervisorFactory, TraineeFactory, assign
from tests.support.api import assert_problem, new_token
from trainee_portal.auth import tokens
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.platform.clock import utcnow


@pytest.fixture(autouse=True)
def _app(app):
    return app


def _problems(kind: str = "api_token") -> list[str]:
    report = verify_all()
    return [str(p) for p in report.problems if p.kind == kind]


def test_a_scope_written_in_by_sql_opens_nothing_the_owners_roles_do_not(client):
    trainee = TraineeFactory()
    assign(SupervisorFactory(), trainee)
    token, secret = new_token(trainee, ("read",))
    db.session.execute(
        text("UPDATE api_token SET scopes = 'read evidence:write signoff cohort:read' WHERE id = :id"), {"id": token.id}
    )
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert_problem(client.get("/api/v1/signoff/queue", headers=headers), 403)
    assert_problem(client.get("/api/v1/cohort", headers=headers), 403)
    assert any(f"API token {token.id}" in p and "scopes" in p for p in _problems())


def _tampered(sql: str, **values) -> tuple[list[str], int]:
    trainee = TraineeFactory()
    token, _secret = new_token(trainee, ("read", "evidence:write"))
    assert _problems() == []
    db.session.execute(text(sql), {"id": token.id, **values})
    db.session.commit()
    return _problems(), token.id


def test_an_untouched_token_revoked_by_its_owner_or_an_administrator_is_no_problem():
    trainee, admin = TraineeFactory(), AdminFactory()
    mine, _ = new_token(trainee, ("read",))
    theirs, _ = new_token(trainee, ("read",), name="Rota app")
    new_token(admin, ("read",))
    tokens.revoke(mine, trainee)
    tokens.revoke(theirs, admin)
    db.session.commit()
    assert _problems() == []


def test_a_token_moved_to_another_owner_is_named():
    admin = AdminFactory()
    problems, token_id = _tampered("UPDATE api_token SET user_id = :admin WHERE id = :id", admin=admin.id)
    assert any(f"API token {token_id}" in p and "owner" in p for p in problems), problems


def test_a_later_expiry_is_named():
    later = utcnow() + timedelta(days=3000)
    problems, token_id = _tampered("UPDATE api_token SET expires_at = :later WHERE id = :id", later=later)
    assert any(f"API token {token_id}" in p and "expir" in p for p in problems), problems


def test_a_secret_the_administrator_knows_is_named():
    known = rules.hash_secret(tokens.new_secret())
    problems, token_id = _tampered("UPDATE api_token SET token_hash = :known WHERE id = :id", known=known)
    assert any(f"API token {token_id}" in p and "secret" in p for p in problems), problems


def test_a_revoked_token_revived_is_named():
    trainee = TraineeFactory()
    token, _ = new_token(trainee, ("read",))
    tokens.revoke(token, trainee)
    db.session.commit()
    assert _problems() == []
    db.session.execute(text("UPDATE api_token SET revoked_at = NULL, revoked_by_id = NULL WHERE id = :id"), {"id": token.id})
    db.session.commit()
    assert any(f"API token {token.id}" in p and "revoked" in p for p in _problems())


@pytest.mark.parametrize("whose", ["trainee", "admin"])
def test_a_token_inserted_by_sql_is_named(whose):
    person = TraineeFactory() if whose == "trainee" else AdminFactory()
    secret = tokens.new_secret()
    db.session.execute(
        text(
            "INSERT INTO api_token (user_id, name, token_hash, shown_part, scopes, created_at, expires_at) "
            "VALUES (:user, 'Backdoor', :hash, :shown, 'read', :now, :later)"
        ),
        {
            "user": person.id,
            "hash": rules.hash_secret(secret),
            "shown": rules.shown_part(secret),
            "now": utcnow(),
            "later": utcnow() + timedelta(days=30),
        },
    )
    db.session.commit()
    problems = _problems()
    assert any("no audit record" in p for p in problems), problems
