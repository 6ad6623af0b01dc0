"""Signing in and out, forced password change, password rules and the login rate limit."""

from __future__ import annotations

import pytest

from tests.app.auth.helpers import change_password
from tests.conftest import TEST_PASSWORD, make_test_config
from tests.factories import TraineeFactory, UserFactory
from trainee_portal.extensions import db


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_user_signs_in_and_sees_name_and_role(client, app):
    user = TraineeFactory(name="Dr Ada Lovelace")
    response = client.post("/login", data={"email": user.email.upper(), "password": TEST_PASSWORD}, follow_redirects=True)
    page = response.data.decode()
    assert response.status_code == 200
    assert "Dr Ada Lovelace" in page and "(Trainee)" in page


@pytest.mark.parametrize("email,password", [("nobody@example.nhs.uk", TEST_PASSWORD), (None, "wrong password entirely")])
def test_wrong_credentials_get_one_clear_message(client, email, password):
    user = UserFactory(roles=("supervisor",))
    response = client.post("/login", data={"email": email or user.email, "password": password})
    assert response.status_code == 400
    assert "The email address or password is not right" in response.data.decode()


def test_malformed_login_input_is_explained_not_500(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""})
    page = response.data.decode()
    assert response.status_code == 400
    assert "correct format" in page and "Enter your password" in page
    assert 'value="not-an-email"' in page  # what the user typed comes back


def test_oversized_login_fields_are_refused_politely(client):
    response = client.post("/login", data={"email": "a" * 5000 + "@x.nhs.uk", "password": "p" * 5000})
    assert response.status_code == 400


def test_deactivated_account_cannot_sign_in(client):
    user = UserFactory(roles=("trainee",), active=False)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "deactivated" in response.data.decode()


def test_login_ignores_offsite_next_parameter(client):
    user = UserFactory(roles=("supervisor",))
    response = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/basic/", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/basic/"


def test_first_login_forces_password_change_then_lets_user_in(client):
    user = UserFactory(roles=("supervisor",), must_change_password=True)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/account/password"
    assert client.get("/basic/").headers["Location"] == "/account/password"
    weak = change_password(client, "short")
    assert weak.status_code == 400 and "at least 12 characters" in weak.data.decode()
    common = change_password(client, "password1234")
    assert "too common" in common.data.decode()
    mismatch = change_password(client, "river-lantern-copper", confirm="river-lantern-coppe")
    assert "do not match" in mismatch.data.decode()
    ok = change_password(client, "river-lantern-copper")
    assert ok.status_code == 302
    db.session.refresh(user)
    assert not user.must_change_password
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": "river-lantern-copper"}).headers["Location"] == "/"


def test_logout_needs_post(client, login):
    login(TraineeFactory())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_passwords_are_stored_hashed_with_scrypt_by_default(app):
    from trainee_portal.platform.passwords import hash_password

    with app.test_request_context():
        app.config["PASSWORD_HASH_METHOD"] = "scrypt"
        try:
            hashed = hash_password("river-lantern-copper")
        finally:
            app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert hashed.startswith("scrypt:") and "river" not in hashed


def test_login_is_rate_limited_with_a_clear_message(database_url, instance_dir, app):
    from trainee_portal import create_app

    config = make_test_config(database_url, instance_dir) | {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}
    limited = create_app(config).test_client()
    statuses = [
        limited.post("/login", data={"email": "x@example.nhs.uk", "password": "whatever-it-is"}).status_code for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    assert "Too many" in limited.post("/login", data={"email": "x@example.nhs.uk", "password": "y"}).data.decode()
