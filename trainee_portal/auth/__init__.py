"""Signing in and out, and changing a password (forced on first login for accounts an admin created)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from trainee_portal.auth import routes  # noqa: E402,F401
