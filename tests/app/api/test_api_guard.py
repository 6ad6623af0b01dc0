"""The guard every API operation carries, exercised through an operation of the test's own on an app with CSRF
protection on, as in production: CSRF does not apply to token requests, a scope counts only while the owner's roles
still reach it, the same policy rule as the pages is asked after the scope, and refused input is a 422 problem
listing each refused field."""

from __future__ import annotations

import marshmallow as ma
import pytest
from flask_login import current_user

from tests.conftest import TEST_PASSWORD, make_test_config
from tests.factories import SupervisorFactory, TraineeFactory
from tests.support.api import assert_problem, bearer, new_token
from trainee_portal import create_app, policy
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import EXTENSION, Blueprint
from trainee_portal.extensions import csrf, db

ECHO = "/api/v1/echo"
ANSWERS = {"allow": True}  # what the test operation's own policy rule adds to the page's rule


def _may_echo(user) -> bool:
    return ANSWERS["allow"] and policy.can_record_evidence(user)


class ItemSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=2))


class EchoSchema(ma.Schema):
    title = ma.fields.String(required=True)
    count = ma.fields.Integer(validate=ma.validate.Range(min=1))
    entries = ma.fields.List(ma.fields.Nested(ItemSchema))


@pytest.fixture
def guarded_app(database_url, instance_dir):
    application = create_app({**make_test_config(database_url, instance_dir), "WTF_CSRF_ENABLED": True})
    blp = Blueprint("api_test_echo", __name__, description="A test-only operation.")

    @blp.route("/echo", methods=["POST"])
    @blp.arguments(EchoSchema)
    @blp.response(201, EchoSchema)
    @requires_scope("evidence:write", _may_echo)
    def echo(data):
        return {**data, "title": f"{data['title']} from {current_user.id}"}

    application.extensions[EXTENSION].register_blueprint(blp)
    yield application
    # CSRF exemptions live on the one CSRFProtect every app shares: this test-only view's must not outlive its app
    csrf._exempt_views.discard(f"{echo.__module__}.{echo.__name__}")


def test_a_token_request_needs_no_csrf_token_while_the_pages_still_do(app, guarded_app):
    trainee = TraineeFactory()
    client = guarded_app.test_client()
    assert client.post("/login", data={"email": trainee.email, "password": TEST_PASSWORD}).status_code == 400  # pages keep CSRF
    response = client.post(ECHO, json={"title": "Entry"}, headers=bearer(trainee, ("read", "evidence:write")))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json() == {"title": f"Entry from {trainee.id}"}
    assert "Set-Cookie" not in response.headers


def test_without_a_token_the_operation_is_401_not_a_csrf_refusal(app, guarded_app):
    response = guarded_app.test_client().post(ECHO, json={"title": "Entry"})
    assert_problem(response, 401)


def test_the_operations_scope_is_asked(app, guarded_app):
    trainee = TraineeFactory()
    response = guarded_app.test_client().post(ECHO, json={"title": "Entry"}, headers=bearer(trainee, ("read",)))
    assert_problem(response, 403)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="evidence:write"'


def test_a_scope_lapses_with_the_role_that_granted_it(app, guarded_app):
    trainee = TraineeFactory()
    headers = bearer(trainee, ("read", "evidence:write"))
    client = guarded_app.test_client()
    assert client.post(ECHO, json={"title": "Entry"}, headers=headers).status_code == 201
    trainee.set_roles(["supervisor"])
    db.session.commit()
    response = client.post(ECHO, json={"title": "Entry"}, headers=headers)
    assert_problem(response, 403)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_the_pages_policy_rule_is_asked_after_the_scope(app, guarded_app):
    """A token with the scope whose owner the operation's policy rule refuses is 403 without a scope challenge: the
    refusal is the policy's, as on the pages."""
    trainee = TraineeFactory()
    headers = bearer(trainee, ("read", "evidence:write"))
    client = guarded_app.test_client()
    assert client.post(ECHO, json={"title": "Entry"}, headers=headers).status_code == 201
    ANSWERS["allow"] = False
    try:
        response = client.post(ECHO, json={"title": "Entry"}, headers=headers)
    finally:
        ANSWERS["allow"] = True
    assert_problem(response, 403)
    assert "WWW-Authenticate" not in response.headers


def test_a_scope_written_into_the_database_beyond_the_owners_roles_opens_nothing(app, guarded_app):
    supervisor = SupervisorFactory()
    token, secret = new_token(supervisor, ("read", "signoff"))
    token.scopes = "read evidence:write signoff"  # tampered with: a supervisor cannot grant evidence:write
    db.session.commit()
    response = guarded_app.test_client().post(ECHO, json={"title": "Entry"}, headers={"Authorization": f"Bearer {secret}"})
    assert_problem(response, 403)
    assert 'scope="evidence:write"' in response.headers["WWW-Authenticate"]


def test_refused_input_is_a_422_problem_listing_each_field(app, guarded_app):
    trainee = TraineeFactory()
    response = guarded_app.test_client().post(
        ECHO,
        json={"count": 0, "entries": [{"code": "ok"}, {"code": "x"}], "extra": 1},
        headers=bearer(trainee, ("read", "evidence:write")),
    )
    body = assert_problem(response, 422)
    found = {(e["location"], e["field"]) for e in body["errors"]}
    assert found == {("json", "title"), ("json", "count"), ("json", "entries.1.code"), ("json", "extra")}
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])


def test_a_body_that_is_not_json_is_a_problem_not_a_500(app, guarded_app):
    trainee = TraineeFactory()
    response = guarded_app.test_client().post(
        ECHO, data="{not json", content_type="application/json", headers=bearer(trainee, ("read", "evidence:write"))
    )
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)


def test_the_test_operation_is_in_its_apps_document_with_its_scope(app, guarded_app):
    document = guarded_app.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"][ECHO]["post"]
    assert operation["x-required-scope"] == "evidence:write"
    assert operation["responses"]["422"] == {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}
