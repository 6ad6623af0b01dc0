"""The signed-in home page for each role, and the About page listing every source the rules cite."""

from flask import Blueprint

bp = Blueprint("home", __name__, template_folder="templates")

from trainee_portal.home import routes  # noqa: E402,F401
