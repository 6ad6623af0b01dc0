"""Logbook imports at /imports: a CSV uploaded, checked and saved in the background (services.run, a task on the
queue), with its progress and result; rows already in the logbook are skipped by their fingerprints."""

from trainee_portal.imports import routes  # noqa: F401 (registers the views)
from trainee_portal.imports.blueprint import bp

__all__ = ["bp"]
