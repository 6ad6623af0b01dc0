"""Multi-source feedback rounds, /msf/…: the trainee nominates raters, each answers once through a one-time link,
the educational supervisor reads the collated, anonymous result, comments and releases it (competencies.msf)."""

from trainee_portal.msf import links, routes  # noqa: F401 (registers the views and the link renderer)
from trainee_portal.msf.blueprint import bp

__all__ = ["bp"]
