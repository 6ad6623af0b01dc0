"""In-app notifications and outgoing email: outbox rows written with the change, an SMTP sender, reminders."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

from trainee_portal.notifications import routes  # noqa: E402,F401
