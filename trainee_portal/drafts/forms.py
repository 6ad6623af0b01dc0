"""The drafts' one form: discarding a draft (a POST with its CSRF token and where to go back to)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length, Optional


class DiscardForm(FlaskForm):
    next = HiddenField(validators=[Optional(), Length(max=500)])
