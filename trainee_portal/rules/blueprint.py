"""The rules blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("rules", __name__, url_prefix="/rules", template_folder="templates")
