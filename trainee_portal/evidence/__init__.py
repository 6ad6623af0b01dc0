"""The logbook: trainees record evidence (logbook entries, WBAs, reflections, certificates), import and export it."""

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/logbook", template_folder="templates", static_folder="static")

from trainee_portal.evidence import routes  # noqa: E402,F401 (registers the views)
