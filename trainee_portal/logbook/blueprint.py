"""The logbook blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("logbook", __name__, url_prefix="/logbook", template_folder="templates", static_folder="static")
