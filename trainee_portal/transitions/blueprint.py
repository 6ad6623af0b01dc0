"""The transitions blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("transitions", __name__, url_prefix="/transitions", template_folder="templates")
