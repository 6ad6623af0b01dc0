"""Personal access tokens, below the web layer: only the hash is stored, the secret works once created and never
after expiry, revocation or the owner's deactivation, and scopes never reach beyond the owner's roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from competencies import api_tokens as rules
from tests.factories import AdminFactory, DirectorFactory, SupervisorFactory, TraineeFactory
from trainee_portal.auth import tokens
from trainee_portal.extensions import db
from trainee_portal.models import ApiToken, AuditRecord
from trainee_portal.platform.clock import uk_today, utcnow


def _create(user, scopes=("read",), days=30, name="Rota app"):
    token, secret = tokens.create(user, name, scopes, uk_today() + timedelta(days=days))
    db.session.commit()
    return token, secret


def test_only_the_hash_is_stored_and_the_secret_opens_its_token(app):
    trainee = TraineeFactory()
    token, secret = _create(trainee, ("read", "evidence:write"))
    assert rules.looks_like_token(secret)
    row = db.session.execute(select(ApiToken.__table__)).one()._mapping
    assert secret not in {str(v) for v in row.values()}
    assert row["token_hash"] == rules.hash_secret(secret)
    assert row["shown_part"] == secret[:12]
    assert tokens.authenticate(secret).id == token.id
    assert tokens.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert tokens.authenticate("") is None
    assert db.session.scalar(select(AuditRecord.action).where(AuditRecord.subject_type == "api_token")) == "api_token.created"


def test_an_expired_revoked_or_deactivated_token_opens_nothing(app):
    trainee = TraineeFactory()
    token, secret = _create(trainee)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert tokens.authenticate(secret) is None

    token2, secret2 = _create(trainee)
    assert tokens.revoke(token2, trainee) is True
    db.session.commit()
    assert tokens.authenticate(secret2) is None
    assert tokens.revoke(token2, trainee) is False

    token3, secret3 = _create(trainee)
    trainee.active = False
    db.session.commit()
    assert tokens.authenticate(secret3) is None


@pytest.mark.parametrize(
    ("factory", "scope", "allowed"),
    [
        (TraineeFactory, "evidence:write", True),
        (TraineeFactory, "signoff", False),
        (TraineeFactory, "cohort:read", False),
        (SupervisorFactory, "signoff", True),
        (SupervisorFactory, "evidence:write", False),
        (DirectorFactory, "cohort:read", True),
        (AdminFactory, "cohort:read", True),
        (AdminFactory, "evidence:write", False),
    ],
)
def test_a_token_grants_only_what_its_owners_roles_reach(app, factory, scope, allowed):
    user = factory()
    if allowed:
        token, _ = _create(user, ("read", scope))
        assert token.has_scope(scope)
    else:
        with pytest.raises(tokens.TokenRefused, match="cannot grant"):
            _create(user, ("read", scope))


@pytest.mark.parametrize(
    ("scopes", "days", "name", "message"),
    [
        (("read",), 0, "x", "after today"),
        (("read",), rules.MAX_LIFETIME_DAYS + 1, "x", "at most"),
        ((), 30, "x", "at least one scope"),
        (("read", "admin"), 30, "x", "Unknown scope"),
        (("read",), 30, "   ", "name"),
        (("read",), 30, "x" * (rules.NAME_MAX + 1), "at most"),
    ],
)
def test_bad_requests_for_a_token_are_refused_with_a_reason(app, scopes, days, name, message):
    with pytest.raises(tokens.TokenRefused, match=message):
        _create(TraineeFactory(), scopes, days, name)


def test_a_token_works_through_its_expiry_day(app):
    token, _ = _create(TraineeFactory(), days=1)
    assert token.expires_at > utcnow() + timedelta(hours=1)
    assert token.expires_at <= utcnow() + timedelta(days=2, hours=1)


def test_an_account_holds_a_bounded_number_of_live_tokens(app):
    trainee = TraineeFactory()
    for i in range(rules.MAX_ACTIVE_TOKENS):
        _create(trainee, name=f"t{i}")
    with pytest.raises(tokens.TokenRefused, match="revoke one"):
        _create(trainee, name="one more")
