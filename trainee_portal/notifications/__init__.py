"""In-app notifications and outgoing email: outbox rows written with the change, an SMTP sender, reminders."""

from trainee_portal.notifications import routes  # noqa: F401 (registers the views)
from trainee_portal.notifications.blueprint import bp

__all__ = ["bp"]
