"""FFPMRCA exam readiness, attempts, sittings, the RAPM confirmation, Fellowship and the directors' pipeline."""

from trainee_portal.exams import routes  # noqa: F401 (registers the views)
from trainee_portal.exams.blueprint import bp

__all__ = ["bp"]
