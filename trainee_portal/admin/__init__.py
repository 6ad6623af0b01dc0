"""Administration: accounts and roles, trainee profiles, regions and cohorts, supervision, director scopes, curricula."""

from trainee_portal.admin import routes  # noqa: F401 (registers the views)
from trainee_portal.admin.blueprint import bp

__all__ = ["bp"]
