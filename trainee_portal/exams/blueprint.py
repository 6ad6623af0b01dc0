"""The exams blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("exams", __name__, url_prefix="/exams", template_folder="templates")


@bp.app_template_global("exam_fellowship_summary")
def _fellowship_summary_global(profile):
    """Lets any page (e.g. the trainee dashboard) include exams/_fellowship_summary.html for a profile."""
    from trainee_portal.exams.queries import fellowship_summary

    return fellowship_summary(profile)
