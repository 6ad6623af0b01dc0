"""The flask-smorest `Api` the JSON API is built on, and the `Blueprint` every resource module uses.

flask-smorest builds the OpenAPI 3.1 document from the same marshmallow schemas that validate requests and shape
responses. Two of its defaults are turned off: its app-wide HTTPException handler (platform/errors.py answers every
/api/ error with an RFC 9457 problem document, and the HTML pages keep their own error pages) and its documentation
blueprint (the document is served by routes/docs.py, inside the API, where the gate marks it public)."""

from __future__ import annotations

import http

import flask_smorest
from flask import current_app, request
from flask_smorest import etag as fs_etag
from flask_smorest.spec import prepare_response
from werkzeug.exceptions import PreconditionRequired

from trainee_portal.api import guide
from trainee_portal.api.schemas.problem import ProblemSchema
from trainee_portal.extensions import csrf
from trainee_portal.platform.errors import PROBLEM_TYPE

PREFIX = "/api/v1"
# Sent with every limited answer and documented on every operation's 429 (Flask-Limiter writes them: api/limits.py).
RATE_LIMIT_HEADERS = {
    "Retry-After": "Seconds to wait before the budget allows another call.",
    "X-RateLimit-Limit": "Calls allowed in the current window.",
    "X-RateLimit-Remaining": "Calls left in the current window.",
    "X-RateLimit-Reset": "When the current window ends, in seconds since 1970-01-01 UTC.",
}
EXTENSION = "portal_api"  # app.extensions[EXTENSION] is the app's PortalApi
SECURITY_SCHEME = "bearerAuth"
SETTINGS = {
    "API_TITLE": "Pain Medicine training portal API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": None,  # no flask-smorest docs blueprint: routes/docs.py serves the document
}


# Each resource's tag as the document shows it; a blueprint not named here is tagged from its name ("api_foo_bar":
# "Foo bar"), or passes tag= itself.
TAG_NAMES = {
    "api_me": "Me",
    "api_curricula": "Curricula",
    "api_evidence": "Evidence",
    "api_signoff": "Sign-off",
    "api_progress": "Progress",
    "api_cohort": "Cohort",
    "api_arcp": "ARCP panels",
    "api_panels": "ARCP panels",
    "api_imports": "Imports",
}


def tag_name(blueprint_name: str) -> str:
    if blueprint_name in TAG_NAMES:
        return TAG_NAMES[blueprint_name]
    words = blueprint_name.removeprefix("api_").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def operation_id(blueprint_name: str, function_name: str, method: str, methods_of_view: int) -> str:
    """A stable, readable operationId from the view's own name: lowerCamelCase of the function's name, after the
    resource's words unless the function already names them ("api_me.me": "me"; "api_evidence.create":
    "evidenceCreate"); the method leads when one function answers several methods."""
    resource = blueprint_name.removeprefix("api_").split("_")
    words = [w for w in function_name.split("_") if w]
    if not set(resource) <= set(words):
        words = [*resource, *words]
    if methods_of_view > 1:
        words = [method.lower(), *words]
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


# A write's If-Match: the ETag read, one entity tag (RFC 9110). `*` names no version, so it is not one (428).
ENTITY_TAG = r'^(W/)?"[!#-~]*"$'
IF_MATCH_HEADER = {
    **fs_etag.IF_MATCH_HEADER,
    "description": "The ETag you read (one entity tag; `*` names no version and is refused as none)",
    "schema": {"type": "string", "pattern": ENTITY_TAG},
}
STAR_REFUSED = "Send the ETag you read as If-Match: `*` names no version, so a change made since would be lost."


class PortalApi(flask_smorest.Api):
    """flask-smorest's Api without its error handler, with problem documents as every documented error response."""

    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app, *, spec_kwargs=None):
        for name, value in SETTINGS.items():
            app.config.setdefault(name, value)
        # The introduction (api/guide.py) and a relative server, which document() replaces by PUBLIC_BASE_URL.
        app.config.setdefault(
            "API_SPEC_OPTIONS", {"info": {"description": guide.info_description(app.config)}, "servers": [{"url": "/"}]}
        )
        super().init_app(app, spec_kwargs=spec_kwargs)
        app.extensions[EXTENSION] = self
        self.spec.components.security_scheme(
            SECURITY_SCHEME,
            {"type": "http", "scheme": "bearer", "description": "A personal access token from your account page."},
        )

    def register_blueprint(self, blp, *, parameters=None, **options):
        """flask-smorest's registration, with the resource's tag under its readable name (the operations carry it
        already: Blueprint below)."""
        super().register_blueprint(blp, parameters=parameters, **options)
        registered = options.get("name", blp.name)
        for tag in self.spec._tags:  # apispec keeps the document's tags in this list, in registration order
            if tag["name"] == registered:
                tag["name"] = getattr(blp, "tag", None) or tag_name(registered)

    def document(self) -> dict:
        """The OpenAPI document as served: its server is the portal's public address as configured now (the
        relative "/" where none is set)."""
        document = self.spec.to_dict()
        base = current_app.config.get("PUBLIC_BASE_URL")
        document["servers"] = [{"url": base, "description": "This portal"}] if base else [{"url": "/"}]
        return document

    def _register_etag_headers(self):
        """flask-smorest's ETag headers, with If-Match documented as what a write takes: one entity tag as read."""
        self.spec.components.parameter("IF_NONE_MATCH", "header", fs_etag.IF_NONE_MATCH_HEADER, lazy=True)
        self.spec.components.parameter("IF_MATCH", "header", IF_MATCH_HEADER, lazy=True)
        self.spec.components.header("ETAG", fs_etag.ETAG_HEADER, lazy=True)

    def _register_error_handlers(self):
        """Nothing: platform/errors.py answers /api/ errors (problem+json) and leaves the pages' errors as they are."""

    def _register_responses(self):
        """flask-smorest's named responses (one per status, and DEFAULT_ERROR), with errors as problem documents."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_TYPE)
            if status == http.HTTPStatus.TOO_MANY_REQUESTS:
                response["description"] = (
                    "Too many calls: the token's budget (or, without a valid token, the address's) is spent."
                )
                response["headers"] = {
                    name: {"description": text, "schema": {"type": "integer"}} for name, text in RATE_LIMIT_HEADERS.items()
                }
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class Blueprint(flask_smorest.Blueprint):
    """A resource's blueprint under /api/v1. Every view it registers is marked `is_api`: the sign-in gate and the
    session's expiry leave it alone (a bearer token authenticates it, never the cookie), it takes JSON bodies, and
    CSRF does not apply to it (a browser never sends the bearer header on its own)."""

    def __init__(self, name: str, import_name: str, *, tag: str | None = None, **options):
        options.setdefault("url_prefix", PREFIX)
        super().__init__(name, import_name, **options)
        self.tag = tag or tag_name(name)

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        """flask-smorest's record of a view's documentation, with the resource's readable tag, a stable operationId
        (unless the view gives its own with @blp.doc(operationId=…)) and the 429 every call may meet."""
        super()._store_endpoint_docs(endpoint, obj, parameters, [self.tag] if tags is None else tags, **options)
        methods = {m: doc for m, doc in self._docs[endpoint].items() if m != "parameters"}
        for method, doc in methods.items():
            manual = doc.setdefault("manual_doc", {})
            manual.setdefault("operationId", operation_id(self.name, getattr(obj, "__name__", endpoint), method, len(methods)))
            manual.setdefault("responses", {}).setdefault(429, "TOO_MANY_REQUESTS")

    def check_etag(self, etag_data, etag_schema=None):
        """flask-smorest's If-Match check (412 for another version), where `*` names no version the client read: it
        is refused as a missing If-Match (428), so a write cannot step round the version guard."""
        if request.if_match.star_tag:
            raise PreconditionRequired(STAR_REFUSED)
        super().check_etag(etag_data, etag_schema)

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        if view_func is not None:
            view_func.is_api = True
            view_func.accepts_json = True
            csrf.exempt(view_func)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)
