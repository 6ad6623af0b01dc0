"""The OpenAPI document, public: it describes the API and holds nothing about anyone."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from trainee_portal import policy
from trainee_portal.api.blueprint import EXTENSION, PREFIX

bp = Blueprint("api", __name__, url_prefix=PREFIX)


@bp.route("/openapi.json")
@policy.public
def openapi_document():
    return jsonify(current_app.extensions[EXTENSION].document())


openapi_document.is_api = True  # the bearer gate's view: it empties the cookie session, then lets anyone read this
