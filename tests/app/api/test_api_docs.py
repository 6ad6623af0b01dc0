"""The API's interactive documentation and its document: /api/v1/docs is public, served with every asset from this
host (no absolute URL to another host, no inline script), its Swagger UI files and script load, and the OpenAPI
document has readable tags, stable operationIds, an introduction naming every scope, and the portal's address as its
server, and still validates."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from openapi_spec_validator import validate

from competencies import api_tokens as rules
from tests.conftest import TEST_PASSWORD
from tests.factories import TraineeFactory
from trainee_portal.api.blueprint import operation_id, tag_name
from trainee_portal.platform.security import CONTENT_SECURITY_POLICY

DOCS = "/api/v1/docs"


class _Page(HTMLParser):
    """Every URL the page refers to, its scripts (with any inline text) and the Swagger UI element's attributes."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[dict] = []
        self.stylesheets: list[str] = []
        self.root: dict | None = None
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "action", "data", "poster", "srcset", "data-openapi-url"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "script":
            self.scripts.append({"src": attrs.get("src"), "text": ""})
            self._in_script = True
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])
        if attrs.get("id") == "swagger-ui":
            self.root = attrs

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1]["text"] += data


def _page(client) -> tuple[object, _Page]:
    response = client.get(DOCS)
    parser = _Page()
    parser.feed(response.get_data(as_text=True))
    return response, parser


def test_the_docs_page_is_public_and_asks_no_other_host(client):
    response, page = _page(client)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, "the site's own policy, unrelaxed"
    foreign = [url for url in page.urls if urlsplit(url).scheme or urlsplit(url).netloc]
    assert not foreign, foreign
    assert page.scripts and all(s["src"] and not s["text"].strip() for s in page.scripts), "no inline script"
    assert page.root is not None and page.root["data-openapi-url"] == "/api/v1/openapi.json"
    assert "/account/tokens" in page.urls and "/" in page.urls, "links to the tokens page and back to the site"


def test_the_docs_pages_assets_load_from_this_host(client):
    _, page = _page(client)
    swagger = [url for url in page.urls if url.startswith("/vendor/swagger-ui/")]
    assert {urlsplit(u).path for u in swagger} == {"/vendor/swagger-ui/swagger-ui.css", "/vendor/swagger-ui/swagger-ui-bundle.js"}
    for url in [*page.stylesheets, *(s["src"] for s in page.scripts)]:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert "immutable" in asset.headers["Cache-Control"], url  # fingerprinted: cached for a year
        assert re.search(r"[?&]v=[0-9a-f]{12}$", url), url
    script = client.get(next(s["src"] for s in page.scripts if "api-docs.js" in s["src"])).get_data(as_text=True)
    assert "validatorUrl: null" in script, "Swagger UI's validator badge would call validator.swagger.io"
    assert "data-openapi-url" in script and "SwaggerUIBundle" in script
    bundle = client.get(next(u for u in swagger if u.endswith(".js") or ".js?" in u))
    assert bundle.mimetype in ("text/javascript", "application/javascript") and b"SwaggerUIBundle" in bundle.data


@pytest.mark.parametrize(
    "name", ["index.html", "package.json", "swagger-initializer.js", "..%2Fpackage.json", "../swagger-ui-dist/index.css"]
)
def test_only_the_swagger_ui_files_the_page_needs_are_served(client, name):
    assert client.get(f"/vendor/swagger-ui/{name}").status_code == 404


def test_a_signed_in_browser_sees_the_docs_without_its_session(client):
    trainee = TraineeFactory()
    assert client.post("/login", data={"email": trainee.email, "password": TEST_PASSWORD}).status_code == 302
    response = client.get(DOCS)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert trainee.name not in response.get_data(as_text=True), "no cookie is read under /api/"


def test_the_document_validates_with_readable_tags_and_stable_operation_ids(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    tags = [tag["name"] for tag in document["tags"]]
    assert "Me" in tags and len(tags) == len(set(tags))
    assert not [t for t in tags if t.startswith("api_") or "_" in t], tags
    assert all(tag.get("description") for tag in document["tags"]), document["tags"]
    ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            assert operation["tags"] and set(operation["tags"]) <= set(tags), (path, method)
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", operation["operationId"]), operation["operationId"]
            ids.append(operation["operationId"])
    assert len(ids) == len(set(ids)), f"operationIds must be unique: {sorted(ids)}"
    assert document["paths"]["/api/v1/me"]["get"]["operationId"] == "me"
    again = client.get("/api/v1/openapi.json").get_json()
    assert again == document, "the document is the same on every call"


def test_the_introduction_explains_tokens_scopes_problems_etags_pages_and_limits(client, app):
    description = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    for scope in rules.SCOPES:
        assert f"`{scope.name}`" in description and scope.explanation in description
    for words in ("Authorization: Bearer", "/account/tokens", "RFC 9457", "If-Match", "If-None-Match", "next_cursor"):
        assert words in description, words
    assert app.config["API_RATE_LIMIT"] in description and app.config["API_UNAUTHENTICATED_RATE_LIMIT"] in description
    assert "Retry-After" in description


def test_the_server_is_the_portals_public_address(client, app, monkeypatch):
    assert client.get("/api/v1/openapi.json").get_json()["servers"] == [{"url": "http://localhost", "description": "This portal"}]
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", None)
    assert client.get("/api/v1/openapi.json").get_json()["servers"] == [{"url": "/"}]


@pytest.mark.parametrize(
    ("blueprint", "expected"),
    [("api_me", "Me"), ("api_signoff", "Sign-off"), ("api_imports", "Imports"), ("api_training_time", "Training time")],
)
def test_tag_names(blueprint, expected):
    assert tag_name(blueprint) == expected


@pytest.mark.parametrize(
    ("blueprint", "function", "methods", "expected"),
    [
        ("api_me", "me", 1, "me"),
        ("api_evidence", "list_evidence", 1, "listEvidence"),
        ("api_evidence", "create", 1, "evidenceCreate"),
        ("api_signoff", "queue", 1, "signoffQueue"),
        ("api_evidence", "entry", 2, "getEvidenceEntry"),
    ],
)
def test_operation_ids(blueprint, function, methods, expected):
    assert operation_id(blueprint, function, "GET", methods) == expected
