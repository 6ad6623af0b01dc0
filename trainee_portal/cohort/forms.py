"""The cohort review's forms: the ARCP outcome form of a panel held outside the app is the ARCP feature's."""

from trainee_portal.arcp.forms import ArcpForm

__all__ = ["ArcpForm"]
