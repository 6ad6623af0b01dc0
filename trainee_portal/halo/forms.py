"""Forms for asking for a HALO and deciding one."""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from trainee_portal.admin.forms import MultiCheckboxField
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers
from trainee_portal.signoff.forms import NeededFor, reason_field


class AskForm(PortalForm):
    evidence = MultiCheckboxField(
        "Evidence for your HALO",
        coerce=int,
        description="Choose the evidence that shows you have met this stage's key capabilities: at least one.",
        validators=[DataRequired("Choose at least one piece of evidence for your HALO.")],
    )
    statement = TextAreaField(
        "Your statement",
        description="What the evidence shows, and anything the Faculty Tutor (Pain) should know.",
        validators=[Length(max=4000, message="The statement is at most 4000 characters."), NoPatientIdentifiers()],
    )


class DecideForm(PortalForm):
    decision = RadioField(
        "Your decision",
        choices=[("sign", "Sign the HALO: the stage is complete"), ("return", "Return it to the trainee")],
        validators=[DataRequired("Choose whether to sign the HALO or return it.")],
    )
    comment = reason_field(
        "Comment, or the reason for returning it",
        "Needed when you return it. The trainee sees this: say what is missing.",
        needed=NeededFor("return", "Enter the reason for returning the HALO, so the trainee knows what to do next."),
        limit=2000,
    )


class WithdrawForm(PortalForm):
    """Only the CSRF token."""
