"""The form for a training period and the one that ends an open period."""

from __future__ import annotations

from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from competencies.training_time import KINDS
from trainee_portal.platform.fields import CalendarDateField
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers


class WholePercentField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the percentage as a whole number, for example 60") from None


class PeriodForm(PortalForm):
    kind = RadioField("Kind of period", choices=list(KINDS.items()), validators=[InputRequired("Choose the kind of period.")])
    wte_percent = WholePercentField(
        "Percentage of full time, for less than full time training",
        validators=[Optional()],
        description="For example 50, 60 or 80. Leave empty for leave and time out of programme.",
    )
    starts_on = CalendarDateField("First day", validators=[InputRequired("Enter the first day of the period.")])
    ends_on = CalendarDateField(
        "Last day (included)", validators=[Optional()], description="Leave empty while the period is still running."
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=500), NoPatientIdentifiers()])


class RemoveForm(PortalForm):
    reason = StringField(
        "Why remove it",
        validators=[
            DataRequired("Say why the period is removed (for example, recorded in error)."),
            Length(max=200),
            NoPatientIdentifiers(),
        ],
        description="Kept in the audit log with the period.",
    )


class EndForm(PortalForm):
    ends_on = CalendarDateField("Last day (included)", validators=[InputRequired("Enter the last day of the period.")])
