"""The exams blueprint: its URL prefix and templates; the views in routes.py register on it."""

from flask import Blueprint

bp = Blueprint("exams", __name__, url_prefix="/exams", template_folder="templates")
