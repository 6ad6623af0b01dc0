"""The arcp blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("arcp", __name__, url_prefix="/arcp", template_folder="templates")
