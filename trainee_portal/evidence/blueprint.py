"""The evidence blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/logbook", template_folder="templates", static_folder="static")
