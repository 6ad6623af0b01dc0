"""The halo blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("halo", __name__, url_prefix="/halo", template_folder="templates")
