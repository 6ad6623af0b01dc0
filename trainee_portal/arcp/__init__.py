"""ARCP: the outcomes panels record (services.py) and the trainee's own outcomes page at /arcp."""

from trainee_portal.arcp import routes  # noqa: F401 (registers the views)
from trainee_portal.arcp.blueprint import bp

__all__ = ["bp"]
