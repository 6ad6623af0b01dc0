"""Panel packs: what an ARCP panel saw, frozen at the panel's cut-off (services.py), the pack's page and PDF, and the
outcome recorded against it, at /packs."""

from trainee_portal.packs import routes  # noqa: F401 (registers the views)
from trainee_portal.packs.blueprint import bp

__all__ = ["bp"]
