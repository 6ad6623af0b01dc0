"""The JSON API at /api/v1 and the personal access tokens that open it.

Layout:
- blueprint.py: flask-smorest's `Api` as PortalApi (OpenAPI 3.1, the `bearerAuth` scheme, no error handler of its
  own; app.extensions["portal_api"]) and the `Blueprint` class each resource uses (under /api/v1, views marked
  `is_api`, CSRF-exempt).
- auth.py: the bearer-token gate (before_request) and `requires_scope(scope, rule)`, which every view carries.
- tokens.py: creating, finding, using and revoking tokens (their rules are in competencies/api_tokens.py).
- routes/<resource>.py: one module per resource with its Blueprint `blp`; routes/docs.py serves the document and the
  interactive documentation (/api/v1/docs, Swagger UI).
- limits.py: the rate limits every API blueprint gets (per token; per address without a valid token).
- guide.py: the document's introduction. A resource's tag is its readable name (blueprint.TAG_NAMES, or `tag=`), and
  each operation's operationId comes from its view's name unless `@blp.doc(operationId=…)` gives one.
- schemas/<resource>.py: the marshmallow schemas of that resource; schemas/problem.py the RFC 9457 problem document.
  Instants use schemas/fields.UtcDateTime (the database's naive UTC, written with its offset).

To add a resource: write schemas/<resource>.py and routes/<resource>.py with
`blp = Blueprint("api_<resource>", __name__, description=…)` and views decorated, outermost first, with
`@blp.route`, `@blp.etag` (reads), `@blp.arguments`/`@blp.response`, then `@requires_scope("<scope>", policy.<rule>)`;
record-level questions go to policy.authorize(policy.<rule>(current_user, record)) inside the view, as on the pages.
Then append the module's `blp` to RESOURCES below. Errors are raised (abort(404), a webargs 422) and platform/errors.py
turns them into problem documents."""

from __future__ import annotations

from flask import Flask

from trainee_portal.api import auth, limits
from trainee_portal.api.blueprint import PortalApi
from trainee_portal.api.routes import cohort, curricula, docs, evidence, me, progress, signoff
from trainee_portal.api.routes import imports as imports_routes

# Append a new resource's blueprint here.
RESOURCES = (me.blp, curricula.blp, evidence.blp, signoff.blp, progress.blp, cohort.blp, imports_routes.blp)


def init_app(app: Flask) -> None:
    """The API's document, gate and resources; CSRF does not apply (a bearer token is not sent by a browser on its own)."""
    api = PortalApi()  # one per app: its OpenAPI document lists that app's routes
    api.init_app(app)
    app.before_request(auth.authenticate_request)
    app.after_request(auth.response_headers)
    app.teardown_request(auth.forget_caller)
    limits.apply(docs.bp)
    app.register_blueprint(docs.bp)
    for blueprint in RESOURCES:
        limits.apply(blueprint)
        api.register_blueprint(blueprint)
    limits.warn_if_counted_per_worker(app)
