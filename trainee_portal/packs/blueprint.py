"""The packs blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("packs", __name__, url_prefix="/packs", template_folder="templates")
