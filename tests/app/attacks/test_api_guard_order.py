"""The API's guard comes before its input: a token without an operation's scope, or an owner the operation's policy
rule refuses, is answered 403 whatever the query string and body hold. Input checked first would tell a caller
without the right what the operation accepts (a 422 listing each field) and would read a body the caller had no
right to send. Every operation of the OpenAPI document is walked, with every kind of caller."""

from __future__ import annotations

import pytest

from tests.app.api.test_api_access_matrix import OPERATIONS, _url, _used_just_now
from tests.app.platform.world import CALLERS, REGIONAL_CALLERS, build_world, snapshot
from tests.support.api import bearer
from trainee_portal import policy

# Query arguments no operation accepts as they are: unknown names, a limit out of range, a cursor that is not one.
BAD_QUERY = "?limit=0&kind=%00&cursor=%27%20OR%201%3D1--&unknown=1&status=nonsense"
# A body no write accepts: unknown members and wrong types in every field a write might read.
BAD_BODY = {
    "unexpected": {"nested": [1]},
    "title": ["not", "a", "string"],
    "occurred_on": "yesterday",
    "competencies": "X",
    "level": {},
    "feedback": 7,
    "reason": [],
    "supervisor_id": "me",
    "dry_run": "perhaps",
}


def _invalid_call(client, operation: str, url: str, headers: dict):
    method = operation.split(" ", 1)[0].lower()
    if method == "get":
        return client.get(url + BAD_QUERY, headers=headers)
    if operation == "POST /api/v1/imports":  # the upload reads a multipart form
        return client.post(url + BAD_QUERY, data={"format": "???", "dry_run": "perhaps"}, headers=headers)
    return getattr(client, method)(url + BAD_QUERY, json=BAD_BODY, headers={**headers, "If-Match": '"stale"'})


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_token_without_the_scope_is_refused_before_its_input_is_checked(app, client, operation):
    needed = OPERATIONS[operation]["x-required-scope"]
    world = build_world()
    url = _url(world, operation)
    problems, asked = [], 0
    for caller in CALLERS[1:] + REGIONAL_CALLERS:
        scopes = [s for s in policy.api_scopes_for(world.people[caller]) if s != needed]
        if not scopes:
            continue
        asked += 1
        headers = bearer(world.people[caller], scopes)
        _used_just_now()
        before = snapshot()
        response = _invalid_call(client, operation, url, headers)
        if response.status_code != 403 or "insufficient_scope" not in response.headers.get("WWW-Authenticate", ""):
            problems.append(f"{caller} without {needed}: {response.status_code} {response.get_data(as_text=True)[:160]}")
        if snapshot() != before:
            problems.append(f"{caller} without {needed}: refused but stored data changed")
    assert asked, f"no caller could hold a token without {needed}"
    assert not problems, f"{operation}:\n" + "\n".join(problems)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_an_owner_the_policy_refuses_is_refused_before_the_input_is_checked(app, client, operation):
    """A token carrying the scope, held by someone the operation's policy rule refuses (a scope granted by one
    role, an operation another role's page guards), is 403 however bad the input."""
    needed = OPERATIONS[operation]["x-required-scope"]
    world = build_world()
    url = _url(world, operation)
    view = _view(client.application, operation)
    problems = []
    for caller in CALLERS[1:] + REGIONAL_CALLERS:
        person = world.people[caller]
        scopes = policy.api_scopes_for(person)
        if needed not in scopes or view.policy_rule(person):
            continue
        response = _invalid_call(client, operation, url, bearer(person, scopes))
        if response.status_code != 403:
            problems.append(f"{caller}: {response.status_code} {response.get_data(as_text=True)[:160]}")
    assert not problems, f"{operation}:\n" + "\n".join(problems)


def _view(application, operation: str):
    method, path = operation.split(" ", 1)
    adapter = application.url_map.bind("localhost")
    sample = path.replace("{version}", "2021")
    for name in ("trainee_id", "evidence_id", "request_id", "panel_id", "job_id"):
        sample = sample.replace("{" + name + "}", "1")
    endpoint, _ = adapter.match(sample, method=method)
    return application.view_functions[endpoint]
