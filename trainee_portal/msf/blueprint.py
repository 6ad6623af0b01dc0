"""The msf blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("msf", __name__, url_prefix="/msf", template_folder="templates")
