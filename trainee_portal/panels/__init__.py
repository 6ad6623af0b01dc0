"""ARCP panels at /panels: a director or administrator schedules a panel for a region or one cohort (its date, the
training year reviewed, its trainees), the evidence cut-off is counted back in working days and kept, and each
trainee's readiness (summaries.readiness) is shown by panel, filtered, paged and exported; reminders go before the
cut-off (commands.py)."""

from trainee_portal.panels import routes  # noqa: F401 (registers the views)
from trainee_portal.panels.blueprint import bp

__all__ = ["bp"]
