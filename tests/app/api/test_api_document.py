"""The OpenAPI document as API users read it: built without a warning from apispec (every component under a name of
its own, none renamed), valid OpenAPI 3.1, and every operation documenting the problem documents it may answer."""

from __future__ import annotations

import re
import warnings

from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from tests.conftest import make_test_config
from trainee_portal import create_app

METHODS = ("get", "post", "put", "patch", "delete")


def _document(app) -> dict:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _resolved(document: dict, response: dict) -> dict:
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def _parameter(document: dict, parameter: dict) -> dict:
    if "$ref" in parameter:
        return document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter


def test_building_the_document_raises_no_warning(database_url, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = create_app(make_test_config(database_url, tmp_path))
        document = _document(app)
    messages = [str(w.message) for w in caught if "apispec" in w.filename or "schema" in str(w.message).lower()]
    assert messages == []
    assert {"Person", "Competency", "ClaimedCompetency", "Signature", "DecisionSignature"} <= set(
        document["components"]["schemas"]
    )
    assert not [name for name in document["components"]["schemas"] if name[-1].isdigit()]


def test_the_document_validates_as_openapi_3_1(app):
    document = _document(app)
    assert document["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(document).validate()


def test_every_operation_documents_its_4xx_problems(app):
    document = _document(app)
    operations = [(m, path, op) for path, item in document["paths"].items() for m, op in item.items() if m in METHODS]
    assert len(operations) >= 20
    for method, path, operation in operations:
        label = f"{method.upper()} {path}"
        responses = operation["responses"]
        expected = {"401", "403", "429"}  # no token or a bad one; the scope or the policy; the token's rate limit
        parameters = [_parameter(document, p) for p in operation.get("parameters", [])]
        if any(p["in"] == "query" for p in parameters) or "requestBody" in operation:
            expected.add("422")  # what the schema refuses
        if method != "get" and "{" in path:
            expected.add("404")  # a write names a record that may not be there
        assert expected <= set(responses), (label, sorted(responses))
        for status, response in responses.items():
            if status.startswith("4") or status == "default":
                body = _resolved(document, response)
                assert list(body.get("content", {})) == ["application/problem+json"], (label, status, body)
                name = body["content"]["application/problem+json"]["schema"]["$ref"].rsplit("/", 1)[1]
                members = set(document["components"]["schemas"][name]["properties"])
                assert members >= {"type", "title", "status", "detail", "instance"}, (label, status, name)


def test_a_decisions_if_match_is_documented_as_one_entity_tag_not_a_star(app):
    """The sign-off decisions answer `If-Match: *` 428 (a star says no content): the document admits only a tag, so a
    schema-valid If-Match is never refused as missing."""
    document = _document(app)
    for action in ("sign", "return"):
        operation = document["paths"][f"/api/v1/signoff/requests/{{request_id}}/{action}"]["post"]
        header = next(_parameter(document, p) for p in operation["parameters"] if _parameter(document, p)["name"] == "If-Match")
        pattern = header["schema"]["pattern"]
        assert header["required"] is True
        assert re.fullmatch(pattern, '"' + "a" * 64 + '"') and re.fullmatch(pattern, 'W/"x"')
        assert not re.fullmatch(pattern, "*") and not re.fullmatch(pattern, "abc")
        assert "428" in operation["responses"]


def test_a_returns_reason_pattern_admits_exactly_what_the_api_does_not_call_blank(app):
    """The reason's pattern is spelt out (JSON Schema's \\s is ECMA-262's, which is not str.strip()'s): a character
    matches it exactly when the API does not strip it, so a reason of U+0085 alone is outside the document as well as
    refused."""
    document = _document(app)
    operation = document["paths"]["/api/v1/signoff/requests/{request_id}/return"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    pattern = document["components"]["schemas"][name]["properties"]["reason"]["pattern"]
    assert "\\s" not in pattern.lower()  # no class whose meaning differs between the two dialects
    differing = [hex(ord(c)) for c in map(chr, range(0x3100)) if c.isspace() == bool(re.search(pattern, c))]
    assert differing == []
    assert re.search(pattern, "\ufeff") and not re.search(pattern, "\x85 \u3000")
