"""Property-based, as the callers the progress, cohort and panel operations serve: a director of a region with
trainees, their evidence and an ARCP panel, and an administrator. Every operation in the document, with generated
input, answers without a 5xx and as its schema says; then each is called on the world's own records (the trainee,
the panel), where the answer is a 200 that matches its schema, on the first page and on the next."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.app.api.test_api_cohort import _cohort, _director_of, _panel
from tests.factories import AdminFactory, CaseDiscussionFactory
from tests.support.api import bearer
from trainee_portal import policy

SERVED = ("/api/v1/cohort", "/api/v1/arcp/panels", "/api/v1/arcp/panels/{panel_id}/readiness")
TRAINEE_PATHS = ("/api/v1/trainees/{trainee_id}/progress", "/api/v1/trainees/{trainee_id}/exam-readiness")


def _world():
    region, trainees = _cohort(4)
    for trainee in trainees[:2]:
        CaseDiscussionFactory(trainee=trainee, codes=("S3_PM_02",))
    director = _director_of(region)
    panel = _panel(region, trainees, director)
    return director, trainees, panel


def _headers(user) -> dict:
    # schemathesis reads a WSGI answer's bytes as they come; the app compresses larger ones for clients that ask.
    return {**bearer(user, policy.api_scopes_for(user)), "Accept-Encoding": "identity"}


def _generated_input(operation, headers: dict) -> None:
    @settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def call(case):
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.operation.label, response.status_code)
        case.validate_response(response, headers=headers)

    call()


def test_every_operation_answers_as_its_schema_says_for_a_director_and_an_administrator(app):
    director, trainees, panel = _world()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # A trainee's evidence list, walked here too, refuses a well-shaped cursor it did not give (400), as
    # tests/app/api/test_api_evidence_schema.py expects.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "400"]
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {operation.path for operation in operations}
    assert set(SERVED + TRAINEE_PATHS) <= paths, paths
    for user in (director, AdminFactory()):
        headers = _headers(user)
        for operation in operations:
            _generated_input(operation, headers)

            if operation.path not in SERVED + TRAINEE_PATHS:
                continue
            path_parameters = {"panel_id": panel.id, "trainee_id": trainees[0].id}
            names = {p.name for p in operation.path_parameters}
            query = {"limit": 2} if operation.path in SERVED and operation.path != "/api/v1/arcp/panels" else None
            case = operation.Case(path_parameters={n: path_parameters[n] for n in names}, query=query)
            response = case.call(headers=headers)
            assert response.status_code == 200, (operation.label, response.status_code, response.text[:300])
            case.validate_response(response, headers=headers)
            cursor = response.json().get("next_cursor")
            if query is not None:
                assert cursor, operation.label  # four trainees, two a page
                following = operation.Case(path_parameters=case.path_parameters, query={"limit": 2, "cursor": cursor})
                response = following.call(headers=headers)
                assert response.status_code == 200, (operation.label, response.text[:300])
                following.validate_response(response, headers=headers)
