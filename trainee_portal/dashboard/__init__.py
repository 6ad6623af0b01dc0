"""The trainee dashboard: progress charts (Plotly, built in Python) with the same figures as accessible tables."""

from trainee_portal.dashboard import routes  # noqa: F401 (registers the views)
from trainee_portal.dashboard.blueprint import bp

__all__ = ["bp"]
