"""Helpers for the security tests: a CSRF-enforcing app, signing in through the real form, and URL arguments for any rule."""

from __future__ import annotations

import re

from werkzeug.routing import FloatConverter, IntegerConverter, PathConverter, UUIDConverter

from tests.conftest import TEST_PASSWORD, make_test_config

TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"|value="([^"]+)" name="csrf_token"'
)


def csrf_app(database_url, instance_dir, **overrides):
    from trainee_portal import create_app

    return create_app(make_test_config(database_url, instance_dir) | {"WTF_CSRF_ENABLED": True} | overrides)


def page_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no csrf_token field on the page"
    return next(group for group in match.groups() if group)


def sign_in_with_token(client, user, password: str = TEST_PASSWORD):
    token = page_token(client.get("/login").data.decode())
    response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.data.decode()[:400]
    return client


def sample_url(rule, values: dict | None = None) -> str:
    """A URL for the rule, with given values, else a plausible value per converter (1 for ints, 'x' for strings)."""
    values = {**(rule.defaults or {}), **(values or {})}
    for name in rule.arguments:
        if name in values:
            continue
        converter = rule._converters[name]
        samples = {
            IntegerConverter: 1,
            FloatConverter: 1.0,
            UUIDConverter: "00000000-0000-0000-0000-000000000000",
            PathConverter: "x/y",
        }
        values[name] = next((v for kind, v in samples.items() if isinstance(converter, kind)), "x")
    built = rule.build(values, append_unknown=False)  # this very rule, not another one of the same endpoint
    assert built, f"cannot build {rule.rule} from {values}"
    return built[1]
