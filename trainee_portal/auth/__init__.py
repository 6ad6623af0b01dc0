"""Signing in and out, and changing a password (forced on first login for accounts an admin created)."""

from trainee_portal.auth import routes  # noqa: F401 (registers the views)
from trainee_portal.auth.blueprint import bp

__all__ = ["bp"]
