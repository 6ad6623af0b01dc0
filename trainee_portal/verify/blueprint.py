"""The verify blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/verify", template_folder="templates")
