"""The imports blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports", template_folder="templates")
