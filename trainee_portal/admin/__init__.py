"""Administration: accounts and roles, trainee profiles, regions and cohorts, supervision, director scopes, curricula."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

from trainee_portal.admin import routes, routes_curricula, routes_structure  # noqa: E402,F401 (registers the views)
