"""Property-based: every operation in the OpenAPI document, called with generated input on a populated world (a
trainee with evidence in every state, their supervisor, their region's director, an administrator, a panel and
imports) by each kind of caller, whose token carries every scope their roles may hold. Path parameters are the
generated ones or the world's own records (the caller's and another trainee's), so calls reach real rows as well as
missing ones. Every answer: no 5xx, a documented status and content type, a body that matches its schema
(schemathesis's checks), and a problem document for every 4xx.

The run is seeded (derandomize) so CI gets the same calls every time; MAX_EXAMPLES bounds it (about a minute per
engine, measured: see MAX_EXAMPLES)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from competencies import api_tokens as rules
from tests.app.platform.world import build_world
from tests.factories import TraineeFactory
from tests.support.api import PROBLEM_MEMBERS, bearer
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import SignOffRequest

CALLERS = ("trainee", "supervisor", "director", "admin")
MAX_EXAMPLES = 20  # per operation and caller: the file takes 24 s on SQLite, 32 s on PostgreSQL (twice under load)

# The world's records a path parameter may name (the world's key for each), beside whatever is generated.
WORLD_KEYS = {
    "trainee_id": ("trainee_id",),
    "evidence_id": ("evidence_id", "pending_evidence_id", "signed_evidence_id"),
    "request_id": ("request_id", "assessor_request_id"),
    "job_id": ("job_id",),
    "panel_id": ("panel_id", "pack_panel_id"),
    "version": ("curriculum_version",),
}


def _schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # A document says how a request is shaped, not whether its values pass the portal's rules today: the evidence
    # form refuses a well-shaped entry dated before the range it records or missing its kind's details (422), and
    # a write's If-Match that is not the record's ETag is 412.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "412", "422"]  # a new list: the default is shared
    return schema


def _operations(app):
    return [result.ok() for result in _schema(app).get_all_operations()]


def _world_values(world) -> dict[str, list]:
    """Each path parameter's real values: the trainee's records and the other trainee's."""
    values = {}
    for parameter, keys in WORLD_KEYS.items():
        found = [ids[key] for ids in (world.ids, world.other_ids) for key in keys if key in ids]
        values[parameter] = list(dict.fromkeys(found))  # the trainee's own first
    values["request_id"] = list(dict.fromkeys([*values["request_id"], *db.session.scalars(select(SignOffRequest.id))]))
    return values


def _headers(user) -> dict:
    # schemathesis's WSGI client asks for compressed answers but reads their bytes unpacked, while the app compresses
    # any answer over about 500 bytes for a client that asks (Flask-Compress): so ask for none.
    return {**bearer(user, policy.api_scopes_for(user)), "Accept-Encoding": "identity"}


def assert_problem_on_4xx(response) -> None:
    """A refused call is an RFC 9457 problem document whose status is the answer's."""
    if not 400 <= response.status_code < 500:
        return
    assert response.headers["content-type"] == ["application/problem+json"], response.headers
    body = response.json()
    assert set(body) >= PROBLEM_MEMBERS, body
    assert body["status"] == response.status_code, body
    assert body["title"] and body["detail"], body


def run_operation(
    operation, headers: dict, real_values: dict[str, list], seen: dict, generated: bool = True, examples: int = MAX_EXAMPLES
) -> None:
    """Generated calls of one operation; each path parameter is often one of the world's records (always, when not
    `generated`), otherwise the generated value."""
    names = [parameter.name for parameter in operation.path_parameters]
    substitutes = st.fixed_dictionaries(
        {
            name: st.one_of(st.sampled_from(real_values[name]), *([st.none()] if generated else []))
            for name in names
            if real_values.get(name)
        }
    )

    @settings(max_examples=examples, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy(), substitute=substitutes)
    def call(case, substitute):
        for name, value in substitute.items():
            if value is not None:
                case.path_parameters = {**(case.path_parameters or {}), name: value}
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.operation.label, response.status_code, response.text[:300])
        case.validate_response(response, headers=headers)
        assert_problem_on_4xx(response)
        seen.setdefault(operation.label, set()).add(response.status_code)

    call()


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_answers_as_its_schema_says_for_each_kind_of_caller(app, caller):
    world = build_world()
    user = world.people[caller]
    real_values = _world_values(world)
    operations = _operations(app)
    assert len(operations) >= 20, [operation.label for operation in operations]
    headers, seen = _headers(user), {}
    for operation in operations:
        run_operation(operation, headers, real_values, seen)
    assert set(seen) == {operation.label for operation in operations}
    # The calls reached real records: each kind of caller was let in somewhere, beyond refusals and missing rows.
    assert any(status < 300 for statuses in seen.values() for status in statuses), seen


def test_the_calls_reach_the_records_each_caller_serves(app):
    """Not only refusals: over the generated calls, each caller's own operations answer 2xx on the world's records."""
    world = build_world()
    real_values = _world_values(world)
    operations = {operation.label: operation for operation in _operations(app)}
    served = {
        "trainee": ("GET /api/v1/trainees/{trainee_id}/evidence", "GET /api/v1/evidence/{evidence_id}"),
        "supervisor": ("GET /api/v1/signoff/queue", "GET /api/v1/signoff/requests/{request_id}"),
        "director": ("GET /api/v1/cohort", "GET /api/v1/arcp/panels/{panel_id}/readiness"),
        "admin": ("GET /api/v1/trainees/{trainee_id}/progress", "GET /api/v1/cohort"),
    }
    for caller, labels in served.items():
        headers = _headers(world.people[caller])
        for label in labels:
            seen: dict[str, set] = {}
            run_operation(operations[label], headers, real_values, seen, generated=False)
            assert any(200 <= status < 300 for status in seen[label]), (caller, label, seen)


def test_without_a_token_every_operation_is_a_documented_401(app):
    operations = _operations(app)
    assert operations
    for operation in operations:
        assert operation.definition.raw["x-required-scope"] in rules.SCOPE_NAMES, operation.label
        case = operation.Case(path_parameters={parameter.name: 1 for parameter in operation.path_parameters})
        response = case.call()
        assert response.status_code == 401, operation.label
        assert response.headers["content-type"] == ["application/problem+json"], response.headers
        case.validate_response(response)


def test_a_trainee_with_an_empty_record_gets_no_5xx(app):
    """The empty case: a trainee with no evidence, supervisor or imports, on every operation."""
    headers = _headers(TraineeFactory())
    seen: dict[str, set] = {}
    for operation in _operations(app):
        run_operation(operation, headers, {}, seen, examples=5)
    assert seen
