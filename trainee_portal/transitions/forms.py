"""The form that moves a trainee to another curriculum version; choices are filled in by the view."""

from __future__ import annotations

from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from trainee_portal.platform.fields import CalendarDateField
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers


class MoveForm(PortalForm):
    to_version = SelectField("Move to curriculum", validators=[DataRequired("Choose the curriculum version to move to.")])
    effective_on = CalendarDateField(
        "Takes effect on",
        description="The day the trainee starts following the new curriculum.",
        validators=[InputRequired("Enter the date the move takes effect.")],
    )
    note = TextAreaField(
        "Note",
        description="Why, and as agreed with whom, for the record (optional). No patient identifiers.",
        validators=[Length(max=2000, message="Keep the note to 2,000 characters."), NoPatientIdentifiers()],
    )
