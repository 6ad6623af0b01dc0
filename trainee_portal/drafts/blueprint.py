"""The drafts blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("drafts", __name__, url_prefix="/drafts", template_folder="templates")
