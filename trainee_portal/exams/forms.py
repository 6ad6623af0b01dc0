"""Forms for exam attempts and corrections, sittings, the RAPM confirmation and mock exam scores."""

from __future__ import annotations

from wtforms import BooleanField, FloatField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.fields import CalendarDateField
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers

PART_CHOICES = [("MCQ", "MCQ (multiple-choice questions)"), ("SOE", "SOE (structured oral examination)")]
RESULT_CHOICES = [("pass", "Pass"), ("fail", "Fail")]
SCORE = NumberRange(min=0, max=100, message="Enter a score from 0 to 100 (a percentage).")


class PercentField(FloatField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the score as a number from 0 to 100, for example 67.5") from None


def not_in_future(form, field):
    if field.data and field.data > uk_today():
        raise ValidationError("The date cannot be in the future.")


class AttemptForm(PortalForm):
    sitting_id = SelectField("Sitting", coerce=int, validators=[InputRequired("Choose the sitting you sat.")])
    result = RadioField("Result", choices=RESULT_CHOICES, validators=[InputRequired("Choose pass or fail.")])
    score = PercentField("Score (%)", validators=[Optional(), SCORE], description="As a percentage, if you know it.")
    extra_training_note = TextAreaField(
        "Additional educational training",
        validators=[Optional(), Length(max=2000), NoPatientIdentifiers()],
        description="Needed for a sixth attempt at a part: what additional training you completed, and when.",
    )

    def validate_sitting_id(self, field):
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose one of the listed sittings.")


class CorrectionForm(PortalForm):
    result = RadioField("Result", choices=RESULT_CHOICES, validators=[InputRequired("Choose pass or fail.")])
    score = PercentField("Score (%)", validators=[Optional(), SCORE])
    extra_training_note = TextAreaField(
        "Additional educational training", validators=[Optional(), Length(max=2000), NoPatientIdentifiers()]
    )
    reason = StringField(
        "Reason for the correction",
        validators=[DataRequired("Say why you are correcting this attempt."), Length(max=200), NoPatientIdentifiers()],
    )


class SittingForm(PortalForm):
    part = RadioField("Part", choices=PART_CHOICES, validators=[InputRequired("Choose the part.")])
    sits_on = CalendarDateField("Exam date", validators=[InputRequired("Enter the exam date.")])
    opens_on = CalendarDateField(
        "Applications open (09:00 UK time)", noun="the opening date", validators=[InputRequired("Enter the opening date.")]
    )
    closes_on = CalendarDateField(
        "Applications close (17:00 UK time)", noun="the closing date", validators=[InputRequired("Enter the closing date.")]
    )

    def validate_closes_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError("Applications must close on or after the day they open.")
        if self.sits_on.data and field.data and field.data >= self.sits_on.data:
            raise ValidationError("Applications must close before the exam date.")


class RapmForm(PortalForm):
    confirmed_on = CalendarDateField(
        "Date of the Regional Advisor's confirmation",
        noun="the date of the confirmation",
        validators=[InputRequired("Enter the date of the confirmation."), not_in_future],
    )
    stage3_pain_complete = BooleanField(
        "The Regional Advisor confirms the Stage 3 pain domain is complete",
        validators=[DataRequired("Tick to confirm Stage 3 pain is complete.")],
    )
    advanced_training_started_on = CalendarDateField(
        "Advanced/SIA pain training started on",
        noun="the date advanced/SIA training started",
        validators=[InputRequired("Enter when advanced/SIA training started.")],
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=1000), NoPatientIdentifiers()])

    def validate_advanced_training_started_on(self, field):
        if field.data and self.confirmed_on.data and field.data > self.confirmed_on.data:
            raise ValidationError("Advanced/SIA training must have started by the date of the confirmation.")


class MockScoreForm(PortalForm):
    part = RadioField("Part", choices=PART_CHOICES, validators=[InputRequired("Choose the part.")])
    taken_on = CalendarDateField("Date taken", validators=[InputRequired("Enter the date you took it."), not_in_future])
    title = StringField(
        "Mock exam",
        validators=[
            DataRequired("Name the mock exam, e.g. the course or question bank."),
            Length(max=120),
            NoPatientIdentifiers(),
        ],
    )
    score_percent = PercentField("Score (%)", validators=[InputRequired("Enter your score."), SCORE])


FPM_STATUS_CHOICES = [
    ("none", "Not a member and no application made"),
    ("applied", "Applied for membership"),
    ("member", "A member"),
]


class PrerequisitesForm(PortalForm):
    gmc_registered_on = CalendarDateField(
        "GMC registration (full registration) since",
        noun="the date of full GMC registration",
        validators=[Optional(), not_in_future],
        description="Leave empty if you are not registered with the GMC.",
    )
    fpm_status = RadioField(
        "Faculty of Pain Medicine membership",
        choices=FPM_STATUS_CHOICES,
        validators=[InputRequired("Choose your FPM membership.")],
    )
    fpm_applied_on = CalendarDateField(
        "Date you applied for membership", noun="the date you applied", validators=[Optional(), not_in_future]
    )
    fpm_member_since = CalendarDateField(
        "Member since", noun="the date you became a member", validators=[Optional(), not_in_future]
    )
    good_standing = BooleanField("In good standing with the FPM")
    confirm = BooleanField("Confirm these details now (training programme directors)")

    def validate(self, extra_validators=None):
        # Dates an FPM status needs: checked here because Optional() stops a field's own validators when it is empty.
        valid = super().validate(extra_validators)
        status, applied, since = self.fpm_status.data, self.fpm_applied_on, self.fpm_member_since
        if status == "applied" and not applied.data and not applied.errors:
            applied.errors = [*applied.errors, "Enter the date you applied for FPM membership."]
        if status == "member" and not since.data and not since.errors:
            since.errors = [*since.errors, "Enter the date your FPM membership started."]
        if since.data and applied.data and since.data < applied.data:
            since.errors = [*since.errors, "Membership cannot start before the application."]
        return valid and not (applied.errors or since.errors)


class ConfirmForm(PortalForm):
    """A button, with the record the page showed: a newer statement recorded since is not confirmed unseen."""

    record_id = IntegerField(validators=[InputRequired()])
