"""The drafts' one form: discarding a draft (a POST with its CSRF token and where to go back to)."""

from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import Length, Optional

from trainee_portal.platform.forms import PortalForm


class DiscardForm(PortalForm):
    next = HiddenField(validators=[Optional(), Length(max=500)])
