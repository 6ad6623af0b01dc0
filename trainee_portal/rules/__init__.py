"""A region's own rules at /rules: local rules (a school's or region's guidance, cited and quoted) and the programme's
suggestions, kept per curriculum version by the region's directors (and administrators), versioned and audited."""

from trainee_portal.rules import routes  # noqa: F401 (registers the views)
from trainee_portal.rules.blueprint import bp

__all__ = ["bp"]
