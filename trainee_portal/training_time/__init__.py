"""Training time: a trainee's less-than-full-time, leave and time-out-of-programme periods at /training-time, kept by
the administrator or a director, and the read model that lets the cohort's "behind" flag count them."""

from trainee_portal.training_time import routes  # noqa: F401 (registers the views)
from trainee_portal.training_time.blueprint import bp

__all__ = ["bp"]
