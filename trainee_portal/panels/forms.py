"""The panel scheduling form and a region's panel settings, validated on the server."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from trainee_portal.arcp.services import TRAINING_YEARS
from trainee_portal.platform.bank_holidays import NATION_CHOICES
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.fields import CalendarDateField
from trainee_portal.platform.forms import PortalForm

MIN_WORKING_DAYS, MAX_WORKING_DAYS = 1, 60  # the programme's own bounds on a region's cut-off setting
MAX_YEARS_AHEAD = 3


class MultiCheckboxField(SelectMultipleField):
    """Rendered as NHS.UK checkboxes by macros/forms.html."""


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PanelForm(PortalForm):
    scope = SelectField("Region or cohort", validators=[DataRequired("Choose the region or cohort the panel is for.")])
    panel_date = CalendarDateField(
        "Panel date",
        description="The day the panel meets. The evidence cut-off is counted back from it.",
        validators=[InputRequired("Enter the panel date.")],
    )
    training_year = SelectField(
        "Training year reviewed",
        choices=[("", "Choose a training year")] + [(y, y) for y in TRAINING_YEARS],
        validators=[DataRequired("Choose the training year the panel reviews.")],
    )
    title = StringField(
        "Title",
        description="For example: Summer ARCP, ST6.",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Length(max=120, message="Titles are at most 120 characters.")],
    )
    trainees = MultiCheckboxField(
        "Trainees on the panel",
        coerce=_int_or_none,
        validate_choice=False,
        validators=[InputRequired("Choose at least one trainee for the panel.")],
    )

    def validate_panel_date(self, field):
        today = uk_today()
        if field.data and field.data <= today:
            raise ValidationError("The panel date must be in the future.")
        if field.data and field.data.year > today.year + MAX_YEARS_AHEAD:
            raise ValidationError(f"Schedule panels at most {MAX_YEARS_AHEAD} years ahead.")

    def validate_trainees(self, field):
        if any(t is None for t in field.data or []):
            raise ValidationError("Choose trainees from the list.")
        if not field.data:
            raise ValidationError("Choose at least one trainee for the panel.")


class RegionSettingsForm(PortalForm):
    nation = SelectField(
        "Nation",
        choices=NATION_CHOICES,
        description="Its bank holidays are not working days when cut-offs and reminders are counted.",
        validators=[DataRequired("Choose the nation whose bank holidays count.")],
    )
    cutoff_working_days = IntegerField(
        "Cut-off, in working days before the panel",
        description=f"A whole number from {MIN_WORKING_DAYS} to {MAX_WORKING_DAYS}. Panels already scheduled keep their cut-off.",
        validators=[
            InputRequired(f"Enter a whole number of working days from {MIN_WORKING_DAYS} to {MAX_WORKING_DAYS}."),
            NumberRange(
                MIN_WORKING_DAYS,
                MAX_WORKING_DAYS,
                f"Enter a whole number of working days from {MIN_WORKING_DAYS} to {MAX_WORKING_DAYS}.",
            ),
        ],
    )
