"""Forms for asking for sign-off, deciding, signing through an assessor link or in person, sending an assessor a
new link and closing a stage."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, IntegerField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Regexp, ValidationError

from competencies import SUPERVISION_CHOICES, signing, supervision_label
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.fields import CalendarDateField
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers

ASSESSOR_CHOICE = "assessor"
LEVEL_CHOICES = [(code, supervision_label(code, full=True)) for code in SUPERVISION_CHOICES]


class RequestForm(PortalForm):
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


class DecisionForm(PortalForm):
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


class ConfirmSignatureForm(PortalForm):
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


class CancelForm(PortalForm):
    """Only the CSRF token: cancelling asks nothing more."""


class StageSignOffForm(PortalForm):
    signed_on = CalendarDateField("Date of sign-off", validators=[InputRequired("Enter the date of the sign-off.")])
    comment = TextAreaField(
        "Comment", validators=[Length(max=2000, message="Comments are at most 2000 characters."), NoPatientIdentifiers()]
    )

    def validate_signed_on(self, field):
        if field.data and field.data > uk_today():
            raise ValidationError("The date of sign-off cannot be in the future.")


# --- signing in person, new assessor links ----------------------------------------------------------


def pin_field(label: str, description: str = "") -> PasswordField:
    """A PIN typed, never echoed back: digits, checked against the rule when it is set, not here."""
    low, high = signing.PIN_MIN_LENGTH.value, signing.PIN_MAX_LENGTH.value
    return PasswordField(
        label,
        description=description,
        validators=[
            DataRequired("Enter the PIN."),
            Regexp(rf"^\d{{{low},{high}}}$", message=f"A PIN is {low} to {high} digits, numbers only."),
        ],
    )


class InPersonSignForm(PortalForm):
    """The supervisor signs on the trainee's device: level, feedback, their PIN, and the content they saw."""

    supervision_level = RadioField(
        "Supervision level (entrustment)",
        choices=LEVEL_CHOICES,
        description="The supervision the trainee needed for this, right here, right now.",
        validators=[DataRequired("Choose the supervision level to sign off at.")],
    )
    feedback = DecisionForm.feedback
    pin = pin_field("Your sign-off PIN", "The PIN you set in your account. The trainee must not see it or type it.")
    seen_hash = HiddenField(validators=[DataRequired(), Length(max=64)])

    def signature(self) -> dict:
        return {
            "level": self.supervision_level.data,
            "feedback": (self.feedback.data or "").strip(),
            "seen_hash": self.seen_hash.data,
        }


class ReissueLinkForm(PortalForm):
    """Only the CSRF token: sending a new link asks nothing more."""


class WholeNumberField(IntegerField):
    """An IntegerField whose unreadable input gets a sentence a person understands."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a whole number, like 2.") from None


class LinkAllowanceForm(PortalForm):
    extra = WholeNumberField(
        "How many more new links to allow",
        description=f"From 1 to {signing.LINK_EXTRA_REISSUES_MAX.value}.",
        validators=[
            InputRequired("Enter how many more new links to allow, as a whole number."),
            NumberRange(
                min=1,
                max=signing.LINK_EXTRA_REISSUES_MAX.value,
                message=f"Allow from 1 to {signing.LINK_EXTRA_REISSUES_MAX.value} more new links at a time.",
            ),
        ],
    )
    reason = TextAreaField(
        "Reason",
        description="Kept in the audit log.",
        validators=[
            DataRequired("Enter the reason for allowing more new links."),
            Length(max=200, message="The reason is at most 200 characters."),
            NoPatientIdentifiers(),
        ],
    )


class DisownForm(PortalForm):
    reason = TextAreaField(
        "What happened",
        description="The trainee sees this. For example: I did not sign this; I was not there.",
        validators=[
            DataRequired("Enter what happened, so the trainee and the audit log know why the signature is void."),
            Length(max=200, message="The reason is at most 200 characters."),
            NoPatientIdentifiers(),
        ],
    )
