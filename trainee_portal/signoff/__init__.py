"""Sign-off: requests to supervisors or outside assessors, the supervisor's queue, decisions, stage sign-off, audit."""

from flask import Blueprint

bp = Blueprint("signoff", __name__, url_prefix="/signoff", template_folder="templates")

from trainee_portal.signoff import assessor, routes  # noqa: E402,F401
