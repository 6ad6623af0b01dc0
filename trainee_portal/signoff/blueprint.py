"""The signoff blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("signoff", __name__, url_prefix="/signoff", template_folder="templates")
