"""The trainee dashboard: progress charts (Plotly, built in Python) with the same figures as accessible tables."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")

from trainee_portal.dashboard import routes  # noqa: E402,F401 (registers the views)
