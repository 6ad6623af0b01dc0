"""Training directors' cohort dashboard, read-only trainee review, ARCP outcomes and exports."""

from trainee_portal.cohort import routes  # noqa: F401 (registers the views)
from trainee_portal.cohort.blueprint import bp

__all__ = ["bp"]
