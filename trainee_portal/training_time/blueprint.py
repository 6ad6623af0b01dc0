"""The training_time blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("training_time", __name__, url_prefix="/training-time", template_folder="templates")
