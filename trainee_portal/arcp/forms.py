"""The ARCP outcome forms, validated on the server: an outcome against a frozen panel pack (the panel's date and
year come from the panel), and one typed in for a panel held outside the app (with its year and date)."""

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from competencies.arcp import OUTCOMES
from trainee_portal.arcp.services import TRAINING_YEARS
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.fields import CalendarDateField
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers


class OutcomeForm(PortalForm):
    outcome = RadioField(
        "Outcome",
        choices=[(o.code, f"Outcome {o.code}: {o.meaning}") for o in OUTCOMES],
        validators=[InputRequired("Choose the panel's outcome.")],
    )
    notes = TextAreaField(
        "Panel notes",
        description="What the panel decided and why, and any targets. No patient identifiers.",
        validators=[Length(max=5000, message="Panel notes are at most 5,000 characters."), NoPatientIdentifiers()],
    )


class ArcpForm(OutcomeForm):
    training_year = SelectField(
        "Training year",
        choices=[("", "Choose a training year")] + [(y, y) for y in TRAINING_YEARS],
        validators=[DataRequired("Choose the training year this outcome is for.")],
    )
    panel_date = CalendarDateField(
        "Panel date", description="The date the ARCP panel met.", validators=[InputRequired("Enter the panel date.")]
    )

    def validate_panel_date(self, field):
        if field.data and field.data > uk_today():
            raise ValidationError("The panel date cannot be in the future: record the outcome after the panel has met.")
        if field.data and field.data.year < 2000:
            raise ValidationError("Enter a panel date from 2000 onwards.")
