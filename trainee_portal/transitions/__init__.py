"""Moving a trainee between curriculum versions (/transitions/<trainee>), and the credit their evidence keeps."""

from trainee_portal.transitions import routes  # noqa: F401 (registers the views)
from trainee_portal.transitions.blueprint import bp

__all__ = ["bp"]
