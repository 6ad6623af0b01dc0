"""The logbook: trainees record evidence (logbook entries, WBAs, reflections, certificates), import and export it."""

from trainee_portal.evidence import routes  # noqa: F401 (registers the views)
from trainee_portal.evidence.blueprint import bp

__all__ = ["bp"]
