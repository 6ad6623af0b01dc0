"""The flask-smorest `Api` the JSON API is built on, and the `Blueprint` every resource module uses.

flask-smorest builds the OpenAPI 3.1 document from the same marshmallow schemas that validate requests and shape
responses. Two of its defaults are turned off: its app-wide HTTPException handler (platform/errors.py answers every
/api/ error with an RFC 9457 problem document, and the HTML pages keep their own error pages) and its documentation
blueprint (the document is served by routes/docs.py, inside the API, where the gate marks it public)."""

from __future__ import annotations

import http

import flask_smorest
from flask_smorest.spec import prepare_response

from trainee_portal.api.schemas.problem import ProblemSchema
from trainee_portal.extensions import csrf
from trainee_portal.platform.errors import PROBLEM_TYPE

PREFIX = "/api/v1"
EXTENSION = "portal_api"  # app.extensions[EXTENSION] is the app's PortalApi
SECURITY_SCHEME = "bearerAuth"
SETTINGS = {
    "API_TITLE": "Pain Medicine training portal API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": None,  # no flask-smorest docs blueprint: routes/docs.py serves the document
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Read and record training evidence with a personal access token created on your account page "
                "(/account/tokens). Send it as `Authorization: Bearer <token>`. Errors are RFC 9457 problem documents."
            )
        },
        "servers": [{"url": "/"}],
    },
}


class PortalApi(flask_smorest.Api):
    """flask-smorest's Api without its error handler, with problem documents as every documented error response."""

    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app, *, spec_kwargs=None):
        for name, value in SETTINGS.items():
            app.config.setdefault(name, value)
        super().init_app(app, spec_kwargs=spec_kwargs)
        app.extensions[EXTENSION] = self
        self.spec.components.security_scheme(
            SECURITY_SCHEME,
            {"type": "http", "scheme": "bearer", "description": "A personal access token from your account page."},
        )

    def _register_error_handlers(self):
        """Nothing: platform/errors.py answers /api/ errors (problem+json) and leaves the pages' errors as they are."""

    def _register_responses(self):
        """flask-smorest's named responses (one per status, and DEFAULT_ERROR), with errors as problem documents."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class Blueprint(flask_smorest.Blueprint):
    """A resource's blueprint under /api/v1. Every view it registers is marked `is_api`: the sign-in gate and the
    session's expiry leave it alone (a bearer token authenticates it, never the cookie), it takes JSON bodies, and
    CSRF does not apply to it (a browser never sends the bearer header on its own)."""

    def __init__(self, name: str, import_name: str, **options):
        options.setdefault("url_prefix", PREFIX)
        super().__init__(name, import_name, **options)

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        if view_func is not None:
            view_func.is_api = True
            view_func.accepts_json = True
            csrf.exempt(view_func)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)
