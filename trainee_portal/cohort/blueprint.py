"""The cohort blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("cohort", __name__, url_prefix="/cohort", template_folder="templates")
