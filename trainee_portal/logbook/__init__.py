"""The logbook: trainees record evidence (logbook entries, WBAs, reflections, certificates), import and export it."""

from trainee_portal.logbook import routes  # noqa: F401 (registers the views)
from trainee_portal.logbook.blueprint import bp

__all__ = ["bp"]
