"""The panels blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("panels", __name__, url_prefix="/panels", template_folder="templates")
