"""Rate limits of the JSON API: every call counts against its token (keyed by the token's id, never its secret), each
token with its own budget; calls without a valid token count against the caller's address. Over the limit: a 429
problem document with Retry-After; every limited answer carries the X-RateLimit headers; the budget comes back when
the window ends. The limits are settings, checked when the app starts."""

from __future__ import annotations

import time

import pytest

from tests.conftest import make_test_config
from tests.factories import SupervisorFactory, TraineeFactory
from tests.support.api import assert_problem, bearer, new_token
from trainee_portal import create_app
from trainee_portal.extensions import limiter

ME = "/api/v1/me"


@pytest.fixture
def limited(database_url, instance_dir, app):
    """A test client of an app with the API's limits on (small ones), and its limiter's store emptied afterwards."""

    def build(per_token: str = "3 per minute", unauthenticated: str = "2 per minute"):
        config = make_test_config(database_url, instance_dir) | {
            "RATELIMIT_ENABLED": True,
            "API_RATE_LIMIT": per_token,
            "API_UNAUTHENTICATED_RATE_LIMIT": unauthenticated,
        }
        return create_app(config).test_client()

    yield build
    limiter.reset()


def _statuses(client, count: int, headers: dict | None = None, path: str = ME) -> list[int]:
    return [client.get(path, headers=headers or {}).status_code for _ in range(count)]


def test_a_token_over_its_limit_gets_a_429_problem_with_retry_after(limited):
    client = limited()
    headers = bearer(TraineeFactory())
    assert _statuses(client, 3, headers) == [200, 200, 200]
    refused = client.get(ME, headers=headers)
    body = assert_problem(refused, 429)
    assert "3 per 1 minute" in body["detail"] or "3 per minute" in body["detail"], body
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "3" and refused.headers["X-RateLimit-Remaining"] == "0"


def test_each_token_has_its_own_budget_and_one_running_out_blocks_no_one_else(limited):
    client = limited()
    trainee, other = TraineeFactory(), SupervisorFactory()
    first, second, someone_else = bearer(trainee), bearer(trainee), bearer(other)
    assert _statuses(client, 4, first) == [200, 200, 200, 429]
    assert _statuses(client, 3, second) == [200, 200, 200], "the same person's second token counts on its own"
    assert _statuses(client, 3, someone_else) == [200, 200, 200], "another person is not slowed"
    assert _statuses(client, 1, first) == [429], "the spent token stays refused within its window"


def test_the_budget_is_shared_by_every_operation_of_a_token(limited):
    client = limited()
    headers = bearer(TraineeFactory())
    assert _statuses(client, 2, headers) == [200, 200]
    assert client.get("/api/v1/nothing-here", headers=headers).status_code == 404  # no operation: not counted
    assert client.get("/api/v1/openapi.json", headers=headers).status_code == 200  # counted against the token
    assert_problem(client.get(ME, headers=headers), 429)


def test_calls_without_a_valid_token_are_limited_per_address(limited):
    client = limited()
    revoked_user = TraineeFactory()
    token, revoked_secret = new_token(revoked_user)
    token.revoked_at = token.created_at
    from trainee_portal.extensions import db

    db.session.commit()
    guesses = [{}, {"Authorization": "Bearer ptp_" + "A" * 43}, {"Authorization": f"Bearer {revoked_secret}"}]
    statuses = [client.get(ME, headers=h).status_code for h in guesses]
    assert statuses == [401, 401, 429], statuses  # the budget of 2 is spent by the first two, whatever they sent
    body = assert_problem(client.get(ME, headers={"Authorization": "Bearer garbage"}), 429)
    assert "without a valid token" in body["detail"]
    assert_problem(client.get("/api/v1/openapi.json"), 429)  # the public document counts too
    assert client.get(ME, headers=bearer(TraineeFactory())).status_code == 200, (
        "a valid token from the same address keeps its own budget"
    )


def test_another_address_has_its_own_unauthenticated_budget(limited):
    client = limited()
    assert _statuses(client, 3) == [401, 401, 429]
    elsewhere = client.get(ME, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert_problem(elsewhere, 401)


def test_every_limited_answer_carries_the_rate_limit_headers(limited):
    client = limited(per_token="5 per minute")
    headers = bearer(TraineeFactory())
    remaining = []
    for _ in range(3):
        response = client.get(ME, headers=headers)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert int(response.headers["X-RateLimit-Reset"]) > time.time() - 1
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [4, 3, 2]
    anonymous = client.get(ME)
    assert anonymous.status_code == 401 and anonymous.headers["X-RateLimit-Limit"] == "2"


def test_the_budget_comes_back_when_the_window_ends(limited):
    client = limited(per_token="2 per 1 second", unauthenticated="1 per 1 second")
    headers = bearer(TraineeFactory())
    assert _statuses(client, 3, headers) == [200, 200, 429]
    assert _statuses(client, 2) == [401, 429]
    time.sleep(1.1)
    assert _statuses(client, 1, headers) == [200]
    assert _statuses(client, 1) == [401]


def test_the_limit_is_keyed_by_the_tokens_id_never_its_secret(limited):
    client = limited()
    token, secret = new_token(TraineeFactory())
    assert client.get(ME, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    stored = " ".join(str(key) for key in limiter.storage.storage)
    assert f"token:{token.id}" in stored, stored
    assert secret not in stored and token.token_hash not in stored and token.shown_part not in stored


def test_the_pages_are_not_counted_against_the_api(limited):
    client = limited(unauthenticated="1 per minute")
    assert _statuses(client, 2) == [401, 429]
    assert client.get("/login").status_code == 200, "the sign-in page keeps its own limit"


@pytest.mark.parametrize("name", ["API_RATE_LIMIT", "API_UNAUTHENTICATED_RATE_LIMIT"])
def test_a_malformed_limit_stops_the_app_at_start(database_url, instance_dir, app, name):
    with pytest.raises(RuntimeError, match=name):
        create_app(make_test_config(database_url, instance_dir) | {name: "plenty"})


def test_the_limits_come_from_the_environment(monkeypatch):
    from trainee_portal import settings

    monkeypatch.setenv("API_RATE_LIMIT", "100 per minute")
    monkeypatch.setenv("API_UNAUTHENTICATED_RATE_LIMIT", "10 per minute")
    overrides = settings.from_environment()
    assert overrides["API_RATE_LIMIT"] == "100 per minute"
    assert overrides["API_UNAUTHENTICATED_RATE_LIMIT"] == "10 per minute"


def test_every_operation_documents_its_429_with_the_headers(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [op for item in document["paths"].values() for m, op in item.items() if m in ("get", "post", "patch")]
    assert operations
    for operation in operations:
        assert operation["responses"]["429"] == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}
    too_many = document["components"]["responses"]["TOO_MANY_REQUESTS"]
    assert too_many["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert set(too_many["headers"]) == {"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}


def test_the_app_warns_at_start_when_each_worker_would_count_on_its_own(app, caplog):
    from trainee_portal.api import limits

    production_like = type("App", (), {"debug": False, "testing": False, "config": {"RATELIMIT_STORAGE_URI": "memory://"}})
    with caplog.at_level("WARNING", logger=limits.__name__):
        limits.warn_if_counted_per_worker(production_like)
    assert "each worker process on its own" in caplog.text
    caplog.clear()
    shared = type("App", (), {"debug": False, "testing": False, "config": {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}})
    with caplog.at_level("WARNING", logger=limits.__name__):
        limits.warn_if_counted_per_worker(shared)
    assert caplog.text == ""
