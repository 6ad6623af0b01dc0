"""Every operation of the JSON API against every kind of caller, each holding a token with every scope their roles
may grant: the expected status for each, no one else's data in any body, and refused calls change nothing. Then each
operation without its scope (403) and with a browser's cookie instead of a token (401). An operation missing from
MATRIX fails the test: add it with the status every caller should get.

Operations are named "METHOD /api/v1/path" as in the OpenAPI document; path parameters are filled from the world's
records of the trainee (tests/app/platform/world.py; PATH_ARGUMENTS renames a parameter where the world calls it
otherwise), and a write's body comes from BODIES."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.app.platform.world import (
    CALLERS,
    OTHER_GMC,
    OTHER_NAME,
    OWNER_GMC,
    OWNER_NAME,
    build_world,
    signed_in_clients,
    snapshot,
)
from tests.support.api import bearer
from trainee_portal import create_app, policy
from trainee_portal.extensions import db
from trainee_portal.models import ApiToken
from trainee_portal.platform.clock import utcnow

# Whose name and GMC number each caller must never see (as for the pages: tests/app/test_access_matrix.py).
FORBIDDEN_TO_SEE = {
    "anonymous": (OWNER_NAME, OWNER_GMC, OTHER_NAME, OTHER_GMC),
    "trainee": (OTHER_NAME, OTHER_GMC),
    "other_trainee": (OWNER_NAME, OWNER_GMC),
    "supervisor": (OTHER_NAME, OTHER_GMC),
    "unassigned_supervisor": (OWNER_NAME, OWNER_GMC),
    "other_director": (OWNER_NAME, OWNER_GMC),
    "director": (OTHER_NAME, OTHER_GMC),
    "admin": (),
}

# Statuses in the order of CALLERS: anonymous (no token), trainee, other_trainee, supervisor (of the trainee),
# unassigned_supervisor (of the other trainee), other_director (another region), director (the trainee's region),
# admin. "ok" accepts any 2xx.
MATRIX: dict[str, tuple] = {"GET /api/v1/me": (401, 200, 200, 200, 200, 200, 200, 200)}
# Logbook imports: the trainee's own (evidence:write, as the import page); the matrix posts JSON, which the multipart
# upload refuses with 422 once the caller is let in (tests/app/api/test_api_imports.py posts real files).
MATRIX["GET /api/v1/imports"] = (401, 200, 200, 403, 403, 403, 403, 403)
MATRIX["GET /api/v1/imports/{job_id}"] = (401, 200, 403, 403, 403, 403, 403, 403)
MATRIX["POST /api/v1/imports"] = (401, 422, 422, 403, 403, 403, 403, 403)
MATRIX.update(
    {
        "GET /api/v1/trainees/{trainee_id}/progress": (401, 200, 403, 200, 403, 403, 200, 200),
        "GET /api/v1/trainees/{trainee_id}/exam-readiness": (401, 200, 403, 200, 403, 403, 200, 200),
        "GET /api/v1/cohort": (401, 403, 403, 403, 403, 200, 200, 200),
        "GET /api/v1/arcp/panels": (401, 403, 403, 403, 403, 200, 200, 200),
        "GET /api/v1/arcp/panels/{panel_id}/readiness": (401, 403, 403, 403, 403, 403, 200, 200),
        "GET /api/v1/curricula": (401, 200, 200, 200, 200, 200, 200, 200),
        "GET /api/v1/curricula/{version}": (401, 200, 200, 200, 200, 200, 200, 200),
    }
)

# A path parameter whose world record has another name: {operation: {parameter: world key}}.
PATH_ARGUMENTS: dict[str, dict[str, str]] = {}
PATH_ARGUMENTS["GET /api/v1/curricula/{version}"] = {"version": "curriculum_version"}

# The JSON body a write sends: {operation: callable(world) -> dict}.
BODIES: dict = {}

# Sign-off: only a supervisor's token carries "signoff"; the trainee's own supervisor reads the waiting request, the
# other trainee's supervisor is refused it (403, as the page), and a decision without If-Match is 428, changing nothing.
MATRIX.update(
    {
        "GET /api/v1/signoff/queue": (401, 403, 403, 200, 200, 403, 403, 403),
        "GET /api/v1/signoff/requests/{request_id}": (401, 403, 403, 200, 403, 403, 403, 403),
        "POST /api/v1/signoff/requests/{request_id}/sign": (401, 403, 403, 428, 403, 403, 403, 403),
        "POST /api/v1/signoff/requests/{request_id}/return": (401, 403, 403, 428, 403, 403, 403, 403),
    }
)
BODIES.update(
    {
        "POST /api/v1/signoff/requests/{request_id}/sign": lambda world: {"level": "3", "feedback": "Well done."},
        "POST /api/v1/signoff/requests/{request_id}/return": lambda world: {"reason": "Add the block level."},
    }
)


def _document():
    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with probe.test_client() as client:
        return client.get("/api/v1/openapi.json").get_json()


DOCUMENT = _document()
OPERATIONS = {
    f"{method.upper()} {path}": definition
    for path, item in DOCUMENT["paths"].items()
    for method, definition in item.items()
    if method in ("get", "post", "put", "patch", "delete")
}


def test_every_operation_is_in_the_matrix():
    missing = sorted(set(OPERATIONS) - set(MATRIX))
    assert not missing, (
        "These API operations are not in tests/app/api/test_api_access_matrix.py MATRIX. Add each with the status "
        "every caller should get (" + ", ".join(CALLERS) + "):\n  " + "\n  ".join(missing)
    )
    stale = sorted(set(MATRIX) - set(OPERATIONS))
    assert not stale, f"MATRIX names operations the API no longer has: {stale}"


def _url(world, operation: str, ids: dict | None = None) -> str:
    path = operation.split(" ", 1)[1]
    ids = ids or world.ids
    for name, world_key in {**_parameters(operation), **PATH_ARGUMENTS.get(operation, {})}.items():
        path = path.replace("{" + name + "}", str(ids[world_key]))
    return path


def _parameters(operation: str) -> dict[str, str]:
    definition = OPERATIONS[operation]
    path_item = DOCUMENT["paths"][operation.split(" ", 1)[1]]
    params = [*path_item.get("parameters", []), *definition.get("parameters", [])]
    return {p["name"]: p["name"] for p in params if p.get("in") == "path"}


def _tokens(world) -> dict[str, dict]:
    """Each caller's headers: a token with every scope their roles may grant (none for anonymous)."""
    headers = {"anonymous": {}}
    for caller in CALLERS[1:]:
        person = world.people[caller]
        headers[caller] = bearer(person, policy.api_scopes_for(person))
    _used_just_now()
    return headers


def _used_just_now() -> None:
    """Every token was used a moment ago: its last use is written at most once a minute, so a snapshot taken now
    changes only if the call itself stores something."""
    db.session.execute(update(ApiToken).values(last_used_at=utcnow()))
    db.session.commit()


def _call(client, operation: str, url: str, headers: dict, world):
    method = operation.split(" ", 1)[0].lower()
    body = BODIES.get(operation)
    kwargs = {"headers": headers}
    if method in ("post", "put", "patch"):
        kwargs["json"] = body(world) if body else {}
    return getattr(client, method)(url, **kwargs)


def _check(operation, caller, expected, response, problems):
    status = response.status_code
    if expected == "ok":
        if not 200 <= status < 300:
            problems.append(f"{operation} as {caller}: {status}, expected 2xx: {response.get_data(as_text=True)[:200]}")
    elif status != expected:
        problems.append(f"{operation} as {caller}: {status}, expected {expected}: {response.get_data(as_text=True)[:200]}")
    if status >= 400 and response.mimetype != "application/problem+json":
        problems.append(f"{operation} as {caller}: {status} answered as {response.mimetype}, not a problem document")
    body = response.get_data(as_text=True)
    for secret in FORBIDDEN_TO_SEE[caller]:
        if secret in body:
            problems.append(f"{operation} as {caller}: the body shows {secret!r}, which this caller may not see")


def _reads():
    return [op for op in sorted(OPERATIONS) if op.startswith("GET ")]


def _writes():
    return [op for op in sorted(OPERATIONS) if not op.startswith("GET ")]


def test_reads_answer_each_caller_as_the_matrix_says(app, client):
    world = build_world()
    headers = _tokens(world)
    problems = []
    for operation in _reads():
        assert operation in MATRIX, f"{operation} is not in MATRIX"
        url = _url(world, operation)
        for caller, expected in zip(CALLERS, MATRIX[operation]):
            _check(operation, caller, expected, _call(client, operation, url, headers[caller], world), problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation", _writes())
def test_writes_answer_each_caller_as_the_matrix_says_and_refusals_change_nothing(app, client, operation):
    assert operation in MATRIX, f"{operation} is not in MATRIX"
    world = build_world()
    headers = _tokens(world)
    url = _url(world, operation)
    problems = []
    # Refused callers first (they must change nothing), then the permitted ones, whose calls may act.
    order = sorted(zip(CALLERS, MATRIX[operation]), key=lambda pair: pair[1] == "ok" or 200 <= pair[1] < 300)
    for caller, expected in order:
        permitted = expected == "ok" or 200 <= expected < 300
        before = None if permitted else snapshot()
        response = _call(client, operation, url, headers[caller], world)
        _check(operation, caller, expected, response, problems)
        if before is not None and snapshot() != before:
            problems.append(f"{operation} as {caller}: refused with {response.status_code} but stored data changed")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_without_its_scope_an_operation_is_refused_for_every_caller_it_would_serve(app, client, operation):
    """A token holding every scope but the one the operation needs is 403 where the full token was served."""
    needed = OPERATIONS[operation]["x-required-scope"]
    world = build_world()
    url = _url(world, operation)
    problems = []
    for caller, expected in zip(CALLERS, MATRIX[operation]):
        if caller == "anonymous" or not (expected == "ok" or 200 <= expected < 300):
            continue
        person = world.people[caller]
        scopes = [s for s in policy.api_scopes_for(person) if s != needed] or ["read" if needed != "read" else "none"]
        if scopes == ["none"]:
            continue  # a token needs a scope; with only "read" to hold there is no token without it
        headers = bearer(person, scopes)
        _used_just_now()
        before = snapshot()
        response = _call(client, operation, url, headers, world)
        if response.status_code != 403 or "insufficient_scope" not in response.headers.get("WWW-Authenticate", ""):
            problems.append(f"{operation} as {caller} without {needed}: {response.status_code}, expected 403")
        if snapshot() != before:
            problems.append(f"{operation} as {caller} without {needed}: refused but stored data changed")
    assert not problems, "\n".join(problems)


def test_a_browsers_session_cookie_opens_no_operation(app):
    world = build_world()
    clients = signed_in_clients(app, world)
    problems = []
    for operation in sorted(OPERATIONS):
        url = _url(world, operation)
        for caller in CALLERS[1:]:
            before = snapshot()
            response = _call(clients[caller], operation, url, {}, world)
            if response.status_code != 401 or response.mimetype != "application/problem+json":
                problems.append(f"{operation} with {caller}'s cookie: {response.status_code}, expected a 401 problem")
            if response.headers.getlist("Set-Cookie"):
                problems.append(f"{operation} with {caller}'s cookie: the answer sets a cookie")
            if snapshot() != before:
                problems.append(f"{operation} with {caller}'s cookie: stored data changed")
    assert not problems, "\n".join(problems)


# A trainee's evidence (api/routes/evidence.py). The change is sent without If-Match: the trainees reach the ETag
# guard (428) and everyone else is refused before it; tests/app/api/test_api_evidence.py sends it.
MATRIX.update(
    {
        "GET /api/v1/trainees/{trainee_id}/evidence": (401, 200, 403, 200, 403, 403, 200, 200),
        "GET /api/v1/evidence/{evidence_id}": (401, 200, 403, 200, 403, 403, 200, 200),
        "POST /api/v1/evidence": (401, 201, 201, 403, 403, 403, 403, 403),
        "PATCH /api/v1/evidence/{evidence_id}": (401, 428, 428, 403, 403, 403, 403, 403),
        "POST /api/v1/evidence/{evidence_id}/signoff-requests": (401, 201, 403, 403, 403, 403, 403, 403),
    }
)
BODIES.update(
    {
        "POST /api/v1/evidence": lambda world: {
            "evidence_type": "logbook.clinic",
            "occurred_on": utcnow().date().isoformat(),
            "title": "Clinic recorded over the API",
            "supervision_level": "2b",
            "competencies": [world.ids["code_higher"]],
        },
        "PATCH /api/v1/evidence/{evidence_id}": lambda world: {"title": "Changed over the API"},
        "POST /api/v1/evidence/{evidence_id}/signoff-requests": lambda world: {"supervisor_id": world.people["supervisor"].id},
    }
)
