"""The API's core: a bearer token and nothing else authenticates it, every refusal and failure is an RFC 9457 problem
document, the caller's own profile at /api/v1/me, and the OpenAPI document that describes it."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from flask import g
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from sqlalchemy.exc import OperationalError

from competencies import api_tokens as rules
from tests.conftest import TEST_PASSWORD
from tests.factories import AdminFactory, DirectorFactory, SupervisorFactory, TraineeFactory, assign
from tests.support.api import assert_problem, bearer, new_token
from trainee_portal.api.routes import me as me_route
from trainee_portal.auth import tokens
from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow

ME = "/api/v1/me"


def _challenge(response) -> str:
    return response.headers.get("WWW-Authenticate", "")


def test_a_trainee_reads_their_profile_token_and_supervisors(client):
    trainee = TraineeFactory(name="Dr Ada Trainee")
    current = SupervisorFactory(name="Dr Current")
    former = SupervisorFactory(name="Dr Former")
    assign(current, trainee, kind="clinical")
    assign(former, trainee, starts_on=utcnow().date() - timedelta(days=400), ends_on=utcnow().date() - timedelta(days=30))
    token, secret = new_token(trainee, ("read", "evidence:write"), name="Logbook app")

    response = client.get(ME, headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["id"] == trainee.id and body["name"] == "Dr Ada Trainee" and body["email"] == trainee.email
    assert body["roles"] == ["trainee"]
    assert body["token"]["name"] == "Logbook app"
    assert body["token"]["shown_part"] == secret[:12]
    assert body["token"]["scopes"] == ["read", "evidence:write"]
    assert body["token"]["expires_at"] == token.expires_at.isoformat() + "+00:00"  # an instant, with its offset
    assert body["trainee"] == {
        "curriculum_version": "2021",
        "current_stage": "higher",
        "supervisors": [{"id": current.id, "name": "Dr Current", "kind": "clinical"}],
    }
    assert trainee.trainee_profile.gmc_number not in response.get_data(as_text=True)
    assert secret not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("factory", "roles"), [(SupervisorFactory, ["supervisor"]), (DirectorFactory, ["director"]), (AdminFactory, ["admin"])]
)
def test_other_roles_read_their_profile_without_trainee_basics(client, factory, roles):
    user = factory()
    response = client.get(ME, headers=bearer(user))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["roles"], body["trainee"]) == (user.id, roles, None)


def test_me_answers_with_an_etag_and_304_when_nothing_changed(client):
    trainee = TraineeFactory()
    headers = bearer(trainee)
    first = client.get(ME, headers=headers)
    etag = first.headers["ETag"]
    assert etag
    again = client.get(ME, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    trainee.name = "Dr Renamed"
    db.session.commit()
    changed = client.get(ME, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in changed.headers["Vary"]


def test_a_call_records_the_tokens_last_use(client):
    trainee = TraineeFactory()
    token, secret = new_token(trainee)
    assert token.last_used_at is None
    assert client.get(ME, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    db.session.expire_all()
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(minutes=1)


def test_no_token_is_401_with_a_bearer_challenge(client):
    response = client.get(ME)
    body = assert_problem(response, 401)
    assert _challenge(response) == 'Bearer realm="api"'
    assert "Authorization: Bearer" in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Bearer ptp_" + "A" * 43,  # well formed, never issued
        "Bearer ptp_" + "A" * 42 + "!",
        "Bearer ' OR 1=1 --",
        "Bearer ptp_" + "A" * 43 + "' OR '1'='1",
    ],
)
def test_a_malformed_or_unknown_token_is_401_invalid_token(client, header):
    TraineeFactory()
    response = client.get(ME, headers={"Authorization": header})
    assert_problem(response, 401)
    assert _challenge(response).startswith('Bearer realm="api", error="invalid_token"')


@pytest.mark.parametrize("scheme", ["Basic", "Token", "ptp_"])
def test_another_authorization_scheme_is_no_token(client, scheme):
    trainee = TraineeFactory()
    _, secret = new_token(trainee)
    response = client.get(ME, headers={"Authorization": f"{scheme} {secret}"})
    assert_problem(response, 401)
    assert _challenge(response) == 'Bearer realm="api"'


def test_the_scheme_name_is_case_insensitive(client):
    trainee = TraineeFactory()
    _, secret = new_token(trainee)
    assert client.get(ME, headers={"Authorization": f"bearer {secret}"}).status_code == 200


def _refused(client, secret):
    response = client.get(ME, headers={"Authorization": f"Bearer {secret}"})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in _challenge(response)


def test_an_expired_token_is_refused(client):
    trainee = TraineeFactory()
    token, secret = new_token(trainee)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _refused(client, secret)


def test_a_revoked_token_is_refused_on_the_next_call(client):
    trainee = TraineeFactory()
    token, secret = new_token(trainee)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(ME, headers=headers).status_code == 200
    assert tokens.revoke(token, trainee)
    db.session.commit()
    _refused(client, secret)


def test_an_administrator_revoking_a_token_stops_it(client):
    trainee, admin = TraineeFactory(), AdminFactory()
    token, secret = new_token(trainee)
    assert tokens.revoke(token, admin)
    db.session.commit()
    _refused(client, secret)


def test_a_deactivated_owners_token_is_refused(client):
    trainee = TraineeFactory()
    _, secret = new_token(trainee)
    trainee.active = False
    db.session.commit()
    _refused(client, secret)


def test_an_owner_who_must_change_their_password_is_sent_to_the_browser(client):
    trainee = TraineeFactory()
    token, secret = new_token(trainee)
    trainee.must_change_password = True
    db.session.commit()
    body = assert_problem(client.get(ME, headers={"Authorization": f"Bearer {secret}"}), 403)
    assert "change it" in body["detail"] and "browser" in body["detail"]


def test_a_signed_in_browser_without_a_token_is_401_and_gets_no_cookie(app, client):
    trainee = TraineeFactory()
    assert client.post("/login", data={"email": trainee.email, "password": TEST_PASSWORD}).status_code == 302
    assert client.get("/higher/").status_code == 200  # the cookie opens the pages
    response = client.get(ME)
    assert_problem(response, 401)
    assert "Set-Cookie" not in response.headers
    missing = client.get("/api/v1/nothing-here")
    assert_problem(missing, 404)
    assert "Set-Cookie" not in missing.headers


def test_a_token_call_never_sets_a_session_cookie_and_speaks_for_the_token_not_the_cookie(client):
    signed_in, owner = TraineeFactory(), SupervisorFactory()
    assert client.post("/login", data={"email": signed_in.email, "password": TEST_PASSWORD}).status_code == 302
    response = client.get(ME, headers=bearer(owner))
    assert response.status_code == 200
    assert response.get_json()["id"] == owner.id
    assert "Set-Cookie" not in response.headers
    assert "api_token" not in g and "_login_user" not in g  # the token's owner was current_user for that call only
    assert client.get("/higher/").status_code == 200  # the browser's own session is untouched


def test_a_token_in_the_query_string_or_a_cookie_is_ignored(client):
    trainee = TraineeFactory()
    _, secret = new_token(trainee)
    for name in ("access_token", "token", "api_token"):
        assert_problem(client.get(f"{ME}?{name}={secret}"), 401)
        client.set_cookie(name, secret)
        assert_problem(client.get(ME), 401)
        client.delete_cookie(name)
    client.set_cookie("session", secret)
    assert_problem(client.get(ME), 401)


def test_a_token_without_the_scope_is_403_naming_it(client):
    supervisor = SupervisorFactory()
    _, secret = new_token(supervisor, ("signoff",))
    response = client.get(ME, headers={"Authorization": f"Bearer {secret}"})
    body = assert_problem(response, 403)
    assert _challenge(response) == 'Bearer realm="api", error="insufficient_scope", scope="read"'
    assert '"read"' in body["detail"]


def test_every_api_view_asks_the_policy(app, client):
    trainee = TraineeFactory()
    with app.app_context():
        response = client.get(ME, headers=bearer(trainee))
        assert response.status_code == 200
        assert g.get("policy_decisions", 0) >= 1


def test_a_failure_inside_a_view_is_a_500_problem_without_a_traceback(client, monkeypatch):
    trainee = TraineeFactory()

    def broken(user):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(me_route, "trainee_basics", broken)
    response = client.get(ME, headers=bearer(trainee))
    body = assert_problem(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert "problem with the service" in body["detail"]


def test_an_unreachable_database_is_a_503_problem_with_retry_after(client, monkeypatch):
    trainee = TraineeFactory()

    def unreachable(user):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(me_route, "trainee_basics", unreachable)
    response = client.get(ME, headers=bearer(trainee))
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "connection refused" not in response.get_data(as_text=True)


def test_an_unknown_path_and_a_wrong_method_are_problems(client):
    assert_problem(client.get("/api/v1/nothing"), 404)
    assert_problem(client.get("/api/v2/me"), 404)
    response = client.delete(ME, headers=bearer(TraineeFactory()))
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_the_pages_keep_their_own_error_pages(client):
    trainee = TraineeFactory()
    assert client.post("/login", data={"email": trainee.email, "password": TEST_PASSWORD}).status_code == 302
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Page not found" in page.get_data(as_text=True)
    scripted = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert scripted.status_code == 404 and scripted.mimetype == "application/json"
    assert scripted.get_json() == {
        "error": "Page not found",
        "detail": "Check the address, or use the menu to find what you need.",
    }


def test_an_anonymous_page_request_still_goes_to_sign_in(client):
    response = client.get("/higher/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_openapi_document_is_public_and_valid_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(document).validate()
    validate(document)  # and by the version the document names
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token from your account page.",
    }


def test_every_operation_declares_its_scope_and_problem_responses(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "patch", "delete")
    ]
    assert ("/api/v1/me", "get") in {(p, m) for p, m, _ in operations}
    for path, method, operation in operations:
        scope = operation.get("x-required-scope")
        assert scope in rules.SCOPE_NAMES, (path, method)
        assert operation["security"] == [{"bearerAuth": [scope]}], (path, method)
        assert operation["responses"]["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}
        assert operation["responses"]["403"] == {"$ref": "#/components/responses/FORBIDDEN"}
    responses = document["components"]["responses"]
    errors = [name for name in responses if name == "DEFAULT_ERROR" or HTTPStatus[name] >= 400]
    assert {"UNAUTHORIZED", "FORBIDDEN", "DEFAULT_ERROR"} <= set(errors)
    for name in errors:
        content = responses[name]["content"]
        assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}, name
    assert "content" not in responses["NOT_MODIFIED"]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])


def test_every_schema_in_the_openapi_document_has_a_name_of_its_own(database_url, instance_dir):
    """Two schema classes of one name would be published as Person and Person1, a name no reader can place (and one
    that changes with the order the resources are registered in): building the document warns of none."""
    import warnings

    from tests.conftest import make_test_config
    from trainee_portal import create_app

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built = create_app(make_test_config(database_url, instance_dir))
    clashes = [str(w.message) for w in caught if "Multiple schemas resolved" in str(w.message)]
    assert not clashes, clashes
    names = set(built.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"])
    assert {"ClaimedCompetency", "DecisionSignature", "Person", "Competency", "Signature"} <= names
