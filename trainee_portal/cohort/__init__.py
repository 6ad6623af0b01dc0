"""Training directors' cohort dashboard, read-only trainee review, ARCP outcomes and exports."""

from flask import Blueprint

bp = Blueprint("cohort", __name__, url_prefix="/cohort", template_folder="templates")

from trainee_portal.cohort import routes  # noqa: E402,F401 (registers the views)
