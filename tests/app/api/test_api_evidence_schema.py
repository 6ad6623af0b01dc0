"""Property-based, as the callers evidence serves: generated calls of every evidence operation aimed at a real
trainee's logbook (their entries in each state, the current ETag on changes) by the trainee and by their supervisor,
each answering without a 5xx and as the document says."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import EvidenceFactory, SignOffFactory, SignOffRequestFactory, SupervisorFactory, TraineeFactory, assign
from tests.support.api import bearer
from trainee_portal import policy


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Well-shaped values the rules refuse: an ETag that is not the entry's (412), an entry the evidence form refuses
    # or a supervisor who is not the trainee's (422). Any cursor of the documented pattern is a place in the list.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "412", "422"]
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if "evidence" in op.path]


@pytest.mark.parametrize("caller", ["trainee", "supervisor"])
def test_every_evidence_operation_answers_as_its_schema_says_on_a_real_logbook(app, client, caller):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    draft = EvidenceFactory(trainee=trainee, notes="Draft")
    waiting = EvidenceFactory(trainee=trainee, status="submitted")
    SignOffRequestFactory(evidence=waiting, supervisor=supervisor)
    signed = EvidenceFactory(trainee=trainee, title="Signed")
    SignOffFactory(evidence=signed, signer=supervisor)
    person = trainee if caller == "trainee" else supervisor
    # Schemathesis's WSGI transport asks for gzip but does not decode it: a longer answer would come compressed.
    headers = {**bearer(person, policy.api_scopes_for(person)), "Accept-Encoding": "identity"}
    entries = itertools.cycle([draft.id, waiting.id, signed.id])
    operations = _operations(app)
    assert len(operations) == 5, [op.label for op in operations]
    statuses = set()
    for operation in operations:

        @settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def call(case):
            if "evidence_id" in (case.path_parameters or {}):
                case.path_parameters["evidence_id"] = next(entries)
            if "trainee_id" in (case.path_parameters or {}):
                case.path_parameters["trainee_id"] = trainee.id
            if case.method == "PATCH":
                current = client.get(f"/api/v1/evidence/{case.path_parameters['evidence_id']}", headers=headers)
                case.headers = {**(case.headers or {}), "If-Match": current.headers.get("ETag", '"none"')}
            response = case.call(headers=headers)
            statuses.add((case.operation.label, response.status_code))
            assert response.status_code < 500, (case.operation.label, response.status_code)
            case.validate_response(response, headers=headers)

        call()
    answered = {label for label, status in statuses if status < 300}
    if caller == "trainee":  # the reads and the changes reached the trainee's own records
        assert {"GET /api/v1/evidence/{evidence_id}", "GET /api/v1/trainees/{trainee_id}/evidence"} <= answered
    else:
        assert answered == {"GET /api/v1/evidence/{evidence_id}", "GET /api/v1/trainees/{trainee_id}/evidence"}
