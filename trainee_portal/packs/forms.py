"""The outcome recorded against a pack: the panel's date and training year come from the panel."""

from trainee_portal.arcp.forms import OutcomeForm

__all__ = ["OutcomeForm"]
