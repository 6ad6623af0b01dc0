"""Every list of the API pages one way (trainee_portal/api/keyset.py): its `cursor` parameter and its `next_cursor`
carry the same documented pattern, and any value of that pattern, the extremes included, is a place in the caller's
list (a 200 page, maybe empty), never a 400 or a 500."""

from __future__ import annotations

import re

import pytest

from tests.app.platform.world import build_world
from tests.support.api import assert_problem, bearer
from trainee_portal import policy
from trainee_portal.api import keyset

# list path -> (its key, the caller it serves, the world's path parameter)
LISTS = {
    "/api/v1/trainees/{trainee_id}/evidence": (keyset.DAY, "trainee", "trainee_id"),
    "/api/v1/signoff/queue": (keyset.INSTANT, "supervisor", None),
    "/api/v1/imports": (keyset.ID, "trainee", None),
    "/api/v1/cohort": (keyset.NAME, "director", None),
    "/api/v1/arcp/panels/{panel_id}/readiness": (keyset.NAME, "director", "panel_id"),
}
EXTREMES = {
    keyset.DAY: ("0", "1", "9999999"),
    keyset.INSTANT: ("0", "9" * 17),
    keyset.ID: ("",),
    keyset.NAME: ("", "00", "ff" * keyset.MAX_NAME_BYTES, "f09f9880"),
}


def _parameter(operation: dict, name: str) -> dict:
    return next(p for p in operation["parameters"] if p["name"] == name)


def test_every_list_documents_the_one_cursor_pattern(client):
    document = client.get("/api/v1/openapi.json").get_json()
    lists = {path for path, item in document["paths"].items() if "cursor" in str(item.get("get", {}).get("parameters"))}
    assert lists == set(LISTS)
    for path, (key, _caller, _argument) in LISTS.items():
        operation = document["paths"][path]["get"]
        assert _parameter(operation, "cursor")["schema"]["pattern"] == keyset.pattern(key), path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert document["components"]["schemas"][page]["properties"]["next_cursor"]["pattern"] == keyset.pattern(key)


@pytest.mark.parametrize("path", list(LISTS))
def test_any_cursor_of_the_pattern_is_a_page_and_others_are_422(client, path):
    key, caller, argument = LISTS[path]
    world = build_world()
    user = world.people[caller]
    url = path.replace("{" + f"{argument}" + "}", str(world.ids[argument])) if argument else path
    headers = bearer(user, policy.api_scopes_for(user))
    for ident in ("1", "999999999"):
        for value in EXTREMES[key]:
            cursor = f"{ident}.{value}"
            assert re.fullmatch(keyset.pattern(key), cursor)
            response = client.get(url, query_string={"cursor": cursor, "limit": 1}, headers=headers)
            assert response.status_code == 200, (path, cursor, response.get_data(as_text=True)[:300])
            assert set(response.get_json()) >= {"next_cursor"}
    for bad in ("0.", "1", "abc", "1.x", "' OR 1=1 --", "1." + "0" * 2000):
        response = client.get(url, query_string={"cursor": bad}, headers=headers)
        body = assert_problem(response, 422)
        assert "cursor" in str(body["errors"]), (path, bad)


@pytest.mark.parametrize("path", list(LISTS))
def test_a_walk_with_one_row_a_page_sees_each_row_once(client, path):
    key, caller, argument = LISTS[path]
    world = build_world()
    user = world.people[caller]
    url = path.replace("{" + f"{argument}" + "}", str(world.ids[argument])) if argument else path
    headers = bearer(user, policy.api_scopes_for(user))
    rows, query = [], {"limit": 1}
    while True:
        response = client.get(url, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = response.get_json()
        items = next(value for name, value in body.items() if isinstance(value, list) and name not in ("per_stage", "per_flag"))
        rows += [item.get("id", item.get("trainee_id")) for item in items]
        if body["next_cursor"] is None:
            assert "Link" not in response.headers
            break
        assert re.fullmatch(keyset.pattern(key), body["next_cursor"])
        assert f"cursor={body['next_cursor']}" in response.headers["Link"]
        query = {"limit": 1, "cursor": body["next_cursor"]}
    assert rows and len(rows) == len(set(rows)), (path, rows)
