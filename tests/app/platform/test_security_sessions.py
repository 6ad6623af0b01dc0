"""Session cookies: HttpOnly, SameSite, Secure over HTTPS (directly or through a configured proxy), permanent with
an absolute lifetime and an idle timeout; pages carry the security headers and no inline script."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest

from tests.app.auth.helpers import change_password
from tests.conftest import TEST_PASSWORD, make_test_config
from tests.factories import TraineeFactory
from tests.support.clients import Browser
from trainee_portal import create_app
from trainee_portal.platform.hardening import LAST_SEEN_AT, SIGNED_IN_AT


def _session_cookie(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def _sign_in(client, user, **kwargs):
    return client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}, **kwargs)


def test_session_cookie_is_httponly_samesite_permanent_and_not_secure_over_http(client):
    response = _sign_in(client, TraineeFactory())
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_served_over_https(app):
    client = app.test_client()
    response = _sign_in(client, TraineeFactory(), base_url="https://localhost")
    assert "Secure" in _session_cookie(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_https_counts_only_behind_a_configured_proxy(app, database_url, instance_dir):
    user = TraineeFactory()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    plain = create_app(make_test_config(database_url, instance_dir)).test_client()
    assert "Secure" not in _session_cookie(_sign_in(plain, user, headers=forwarded))
    proxied = create_app(make_test_config(database_url, instance_dir) | {"PROXY_FIX_HOPS": 1}).test_client()
    assert "Secure" in _session_cookie(_sign_in(proxied, user, headers=forwarded))


@pytest.mark.parametrize(
    "key,age,why",
    [
        (LAST_SEEN_AT, timedelta(minutes=61), "signed out after 1 hour without activity"),
        (SIGNED_IN_AT, timedelta(hours=8, minutes=1), "signed in more than 8 hours ago"),
    ],
)
def test_session_ends_when_idle_or_too_old(client, key, age, why):
    _sign_in(client, TraineeFactory())
    assert client.get("/higher/").status_code == 200
    with client.session_transaction() as session:
        session[key] = int(time.time() - age.total_seconds())
    response = client.get("/higher/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login"), why
    page = client.get(response.headers["Location"]).data.decode()
    assert why in page
    assert client.get("/higher/").headers["Location"].startswith("/login")  # the session is really gone


def test_activity_keeps_a_session_alive(client):
    _sign_in(client, TraineeFactory())
    with client.session_transaction() as session:
        session[LAST_SEEN_AT] = int(time.time() - 50 * 60)
    assert client.get("/higher/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session[LAST_SEEN_AT] < 5


@pytest.fixture
def limiter_state():
    """The limiter is one object shared by every app in the process: put its state back for the tests after."""
    from trainee_portal.extensions import limiter

    enabled = limiter.enabled
    yield
    limiter.reset()
    limiter.enabled = enabled


def test_login_rate_limit_answers_429_with_a_clear_message(app, database_url, instance_dir, limiter_state):
    limited = create_app(
        make_test_config(database_url, instance_dir) | {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute"}
    ).test_client()
    for _ in range(2):
        limited.post("/login", data={"email": "x@example.nhs.uk", "password": "not-the-password"})
    response = limited.post("/login", data={"email": "x@example.nhs.uk", "password": "not-the-password"})
    assert response.status_code == 429
    page = response.data.decode()
    assert "Too many" in page and "Wait a minute" in page
    assert limited.get("/login").status_code == 200  # reading the form is never limited


def test_public_and_signed_in_pages_carry_headers_and_no_inline_script(client):
    pages = [client.get("/login")]
    _sign_in(client, TraineeFactory())
    pages += [client.get(url) for url in ("/", "/higher/", "/account/password", "/no-such-page")]
    for response in pages:
        headers = response.headers
        csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
        assert csp["script-src"] == "'self'" and csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        html = response.data.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, f"inline script on {response.request.path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler on {response.request.path}"


# --- server-side revocation: a per-user session generation --------------------------------------------------------


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app):
    owner = Browser(app)
    assert _sign_in(owner, TraineeFactory()).status_code == 302
    thief = Browser(app, cookie=owner.cookie)  # the raw cookie, replayed from elsewhere
    assert thief.signed_in(), "the copy works while the session lives (the attack is real)"
    assert owner.post("/logout").status_code == 302
    assert not thief.signed_in()
    assert not Browser(app, cookie=thief.cookie).signed_in()


def test_a_password_change_signs_out_every_other_session_but_keeps_the_changing_one(app):
    user = TraineeFactory()
    laptop, phone = Browser(app), Browser(app)
    _sign_in(laptop, user)
    _sign_in(phone, user)
    old_cookie = laptop.cookie
    response = change_password(laptop, "quiet-orchard-lantern-27")
    assert response.status_code == 302
    assert laptop.signed_in(), "the session that changed the password is re-issued with the new generation"
    assert not phone.signed_in()
    assert not Browser(app, cookie=old_cookie).signed_in(), "the laptop's cookie from before the change is void too"


def test_deactivation_ends_sessions_for_good_even_after_reactivation(app):
    from tests.factories import AdminFactory

    user, admin = TraineeFactory(), AdminFactory()
    trainee, administrator = Browser(app), Browser(app)
    _sign_in(trainee, user)
    _sign_in(administrator, admin)
    for active in ("0", "1"):
        assert administrator.post(f"/admin/users/{user.id}/active", data={"active": active}).status_code == 302
    assert not trainee.signed_in()
    _sign_in(trainee, user)
    assert trainee.signed_in()
