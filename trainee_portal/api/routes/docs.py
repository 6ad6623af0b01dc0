"""The OpenAPI document and the interactive documentation that draws it, both public: they describe the API and
hold nothing about anyone."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from trainee_portal import policy
from trainee_portal.api.blueprint import EXTENSION, PREFIX

bp = Blueprint("api", __name__, url_prefix=PREFIX, template_folder="../templates")


@bp.route("/openapi.json")
@policy.public
def openapi_document():
    return jsonify(current_app.extensions[EXTENSION].document())


openapi_document.is_api = True  # the bearer gate's view: it empties the cookie session, then lets anyone read this


@bp.route("/docs")
@policy.public
def documentation():
    """Swagger UI, served by the portal (platform/assets.py) with no request to another host."""
    return render_template("api/docs.html", page_title="API documentation")


documentation.is_api = True  # as the document: no cookie session under /api/, and the bearer gate lets anyone read it
