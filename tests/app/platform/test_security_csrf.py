"""CSRF is enforced on every POST route the app has: without a token each answers 400 and nothing runs."""

from __future__ import annotations

import pytest

from tests.app.platform.helpers import csrf_app, page_token, sample_url, sign_in_with_token
from tests.factories import TraineeFactory
from trainee_portal.extensions import csrf

# Views that may be posted without a token, each with the reason. Keep this empty unless a caller cannot hold a session.
EXEMPT: dict[str, str] = {}


@pytest.fixture
def protected(app, database_url, instance_dir):
    return csrf_app(database_url, instance_dir)


def _post_rules(application):
    return sorted((r for r in application.url_map.iter_rules() if "POST" in r.methods), key=lambda r: r.rule)


def _api_views(application) -> set[str]:
    """The JSON API's views (trainee_portal/api), exempt by construction: a bearer token authenticates them, never the
    cookie, so a forged cross-site request carries nothing that opens them (tests/app/api tests the token)."""
    return {f"{v.__module__}.{v.__name__}" for v in application.view_functions.values() if getattr(v, "is_api", False)}


def test_no_view_or_blueprint_is_exempt_from_csrf(protected):
    assert not csrf._exempt_blueprints
    unexpected = sorted(set(csrf._exempt_views) - set(EXEMPT) - _api_views(protected))
    assert not unexpected, f"views exempted from CSRF without a reason in EXEMPT: {unexpected}"


def test_every_post_route_refuses_a_request_without_token(protected):
    rules = _post_rules(protected)
    assert any(r.endpoint == "auth.login" for r in rules)
    anonymous = protected.test_client()
    signed_in = sign_in_with_token(protected.test_client(), TraineeFactory())
    failures = []
    with protected.test_request_context():
        urls = [(rule.endpoint, sample_url(rule)) for rule in rules]
    api = {rule.endpoint for rule in rules if getattr(protected.view_functions[rule.endpoint], "is_api", False)}
    for endpoint, url in urls:
        for who, client in (("anonymous", anonymous), ("signed in", signed_in)):
            for body in ({"data": {"anything": "1"}}, {"json": {"anything": 1}}):
                response = client.post(url, **body)
                if response.status_code != (401 if endpoint in api else 400):  # the API: no bearer token, 401
                    failures.append(f"{endpoint} ({who}, {'json' if 'json' in body else 'form'}): {response.status_code}")
    assert not failures, "POST without CSRF token (or bearer token, for the API) was not refused:\n" + "\n".join(failures)


def test_csrf_refusal_is_clear_and_json_callers_get_json(protected):
    client = protected.test_client()
    page = client.post("/login", data={"email": "a@b.nhs.uk", "password": "x"})
    assert page.status_code == 400 and "Your form expired" in page.data.decode() and "Nothing was saved" in page.data.decode()
    api = client.post("/login", json={"email": "a@b.nhs.uk"})
    assert api.status_code == 400 and api.is_json and "token" in api.get_json()["error"].lower()


def test_a_token_from_the_page_is_accepted(protected):
    user = TraineeFactory()
    client = protected.test_client()
    sign_in_with_token(client, user)
    token = page_token(client.get("/account/password").data.decode())
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
