"""Every operation, for every kind of caller, with a token holding each single scope the caller's roles may grant:
a token without the operation's scope is refused (403, `insufficient_scope`) whoever holds it and whatever it names,
and stores nothing; the token with exactly that scope is never refused for its scope. Together with the access
matrix (every caller with a full token, tests/app/api/test_api_access_matrix.py), every operation is asked of every
kind of caller and every token scope."""

from __future__ import annotations

import pytest

import tests.app.api.test_api_access_matrix as matrix
from tests.app.platform.world import CALLERS, build_world, snapshot
from tests.support.api import bearer
from trainee_portal import policy


def _scope_refusal(response) -> bool:
    return response.status_code == 403 and 'error="insufficient_scope"' in response.headers.get("WWW-Authenticate", "")


@pytest.mark.parametrize("operation", sorted(matrix.OPERATIONS))
def test_each_single_scope_token_opens_only_the_operation_it_names(app, client, operation):
    needed = matrix.OPERATIONS[operation]["x-required-scope"]
    world = build_world()
    url = matrix._url(world, operation)
    problems = []
    for caller in CALLERS[1:]:
        person = world.people[caller]
        grantable = policy.api_scopes_for(person)
        # Tokens without the scope first: each must be refused for its scope and change nothing.
        for scope in [s for s in grantable if s != needed]:
            headers = bearer(person, [scope])
            matrix._used_just_now()
            before = snapshot()
            response = matrix._call(client, operation, url, headers, world)
            if not _scope_refusal(response):
                problems.append(f"{operation} as {caller} with only {scope}: {response.status_code}, expected 403 for the scope")
            if snapshot() != before:
                problems.append(f"{operation} as {caller} with only {scope}: refused but stored data changed")
        if needed in grantable:
            response = matrix._call(client, operation, url, bearer(person, [needed]), world)
            if _scope_refusal(response):
                problems.append(f"{operation} as {caller} with {needed}: refused for the very scope it needs")
    assert not problems, "\n".join(problems)
