"""Property-based: every operation in the OpenAPI document, called with generated input by a trainee whose token
carries every scope they may hold, answers without a 5xx and as its schema says (schemathesis's checks)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from competencies import api_tokens as rules
from tests.factories import TraineeFactory
from tests.support.api import bearer
from trainee_portal import policy


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_answers_as_its_schema_says(app):
    trainee = TraineeFactory()
    headers = bearer(trainee, policy.api_scopes_for(trainee))
    operations = _operations(app)
    assert operations, "the document lists no operation"
    for operation in operations:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.operation.label, response.status_code)
            case.validate_response(response, headers=headers)

        call()


def test_without_a_token_every_operation_is_a_documented_401(app):
    operations = _operations(app)
    assert operations
    for operation in operations:
        assert operation.definition.raw["x-required-scope"] in rules.SCOPE_NAMES, operation.label
        case = operation.Case(path_parameters={p.name: 1 for p in operation.path_parameters})  # any id: refused first
        response = case.call()
        assert response.status_code == 401, operation.label
        assert response.headers["content-type"] == ["application/problem+json"], response.headers
        case.validate_response(response)
