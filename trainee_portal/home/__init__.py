"""The signed-in home page for each role, and the About page listing every source the rules cite."""

from trainee_portal.home import routes  # noqa: F401 (registers the views)
from trainee_portal.home.blueprint import bp

__all__ = ["bp"]
