"""Form drafts at /drafts: long forms save what is typed to the server as it is typed, and offer it back on the form
after a time-out or on another device (restore or discard); a command purges old drafts."""

from trainee_portal.drafts import routes  # noqa: F401 (registers the views)
from trainee_portal.drafts.blueprint import bp

__all__ = ["bp"]
