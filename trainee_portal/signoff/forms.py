"""Forms for asking for sign-off, deciding, signing through an assessor link and closing a stage."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError

from competencies import SUPERVISION_CHOICES, supervision_label
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.identifiers import NoPatientIdentifiers

ASSESSOR_CHOICE = "assessor"
LEVEL_CHOICES = [(code, supervision_label(code, full=True)) for code in SUPERVISION_CHOICES]


class RequestForm(FlaskForm):
    recipient = RadioField(
        "Who should sign this off?",
        choices=[],
        validate_choice=True,
        validators=[DataRequired("Choose a supervisor, or an outside assessor.")],
    )
    assessor_email = EmailField(
        "Outside assessor's email address",
        description="Only if you chose an outside assessor. They get a one-time link that works for 14 days.",
        validators=[Length(max=254, message="Email addresses are at most 254 characters.")],
    )

    def validate_assessor_email(self, field):
        # Inline rather than Optional(): Optional would stop the chain before this required-if check.
        if not (field.data or "").strip():
            if self.recipient.data == ASSESSOR_CHOICE:
                raise ValidationError("Enter the outside assessor's email address.")
            return
        Email("Enter an email address in the correct format, like name@nhs.net.")(self, field)


class NeededFor:
    """Required only for one decision; the required flag keeps "(optional)" off the label, the hint says when."""

    field_flags = {"required": True}

    def __init__(self, decision: str, message: str, allowed=None):
        self.decision, self.message, self.allowed = decision, message, allowed

    def __call__(self, form, field):
        if form.decision.data != self.decision:
            return
        value = (field.data or "").strip()
        if not value or (self.allowed is not None and value not in self.allowed):
            raise ValidationError(self.message)


def reason_field(label: str, description: str, *, needed: NeededFor, limit: int) -> TextAreaField:
    """A reason the trainee reads: needed for one choice, at most `limit` characters, free of patient identifiers."""
    return TextAreaField(
        label,
        description=description,
        validators=[needed, Length(max=limit, message=f"The reason is at most {limit} characters."), NoPatientIdentifiers()],
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        choices=[("sign", "Sign off"), ("return", "Return to the trainee")],
        validators=[DataRequired("Choose whether to sign off or return it.")],
    )
    supervision_level = RadioField(
        "Supervision level (entrustment)",
        choices=LEVEL_CHOICES,
        description="Needed when you sign off: the supervision the trainee needed for this, right here, right now.",
        validate_choice=False,
        validators=[NeededFor("sign", "Choose the supervision level to sign off at.", SUPERVISION_CHOICES)],
    )
    feedback = TextAreaField(
        "Feedback for the trainee",
        validators=[Length(max=4000, message="Feedback is at most 4000 characters."), NoPatientIdentifiers()],
    )
    reason = reason_field(
        "Reason for returning it",
        "Needed when you return it. The trainee sees this: say what to change.",
        needed=NeededFor("return", "Enter the reason for returning it, so the trainee knows what to change."),
        limit=2000,
    )
    seen_hash = HiddenField(validators=[DataRequired(), Length(max=64)])

    def signature(self) -> dict:
        """What a signature records from this form (services.sign's level, feedback and the content seen)."""
        return {
            "level": self.supervision_level.data,
            "feedback": (self.feedback.data or "").strip(),
            "seen_hash": self.seen_hash.data,
        }


class AssessorDecisionForm(DecisionForm):
    assessor_name = StringField(
        "Your full name",
        validators=[DataRequired("Enter your full name."), Length(max=120, message="Names are at most 120 characters.")],
    )
    assessor_gmc = StringField(
        "Your GMC number",
        description="7 digits, for example 1234567.",
        validators=[
            DataRequired("Enter your GMC number."),
            Regexp(r"^\d{7}$", message="Enter your GMC number as 7 digits, for example 1234567."),
        ],
    )


class ConfirmSignatureForm(FlaskForm):
    decision = RadioField(
        "Do you vouch for this outside assessor?",
        choices=[
            ("confirm", "Confirm: I know this assessor and the signature is theirs, so it counts"),
            ("decline", "Decline: the signature does not count and the evidence goes back to the trainee"),
        ],
        validators=[DataRequired("Choose whether to confirm or decline the signature.")],
    )
    reason = reason_field(
        "Reason for declining",
        "Needed when you decline. The trainee sees this.",
        needed=NeededFor("decline", "Enter the reason for declining, so the trainee knows what to do next."),
        limit=200,
    )


class CancelForm(FlaskForm):
    """Only the CSRF token: cancelling asks nothing more."""


class StageSignOffForm(FlaskForm):
    signed_on = DateField(
        "Date of sign-off", validators=[DataRequired("Enter the date of the sign-off, for example 24/11/2026.")]
    )
    comment = TextAreaField(
        "Comment", validators=[Length(max=2000, message="Comments are at most 2000 characters."), NoPatientIdentifiers()]
    )

    def validate_signed_on(self, field):
        if field.data and field.data > uk_today():
            raise ValidationError("The date of sign-off cannot be in the future.")
