"""Sign-off: requests to supervisors or outside assessors, the supervisor's queue, decisions, stage sign-off, audit."""

from trainee_portal.signoff import assessor, in_person, reissue, routes, waiting  # noqa: F401 (registers the views)
from trainee_portal.signoff.blueprint import bp

__all__ = ["bp"]
