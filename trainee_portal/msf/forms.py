"""Forms for starting a round, nominating a rater, a rater's questionnaire and the supervisor's decision."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from competencies import msf
from trainee_portal.platform.fields import email_field
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers


class StartRoundForm(PortalForm):
    title = StringField(
        "Placement or period",
        description="For example, the hospital and months this feedback covers. Do not include patient details.",
        validators=[Optional(), Length(max=120, message="Keep it to 120 characters."), NoPatientIdentifiers()],
    )


class RaterForm(PortalForm):
    name = StringField(
        "Rater's name",
        validators=[DataRequired("Enter the rater's name."), Length(max=120, message="Keep it to 120 characters.")],
    )
    email = email_field("Enter the rater's email address.", label="Rater's email address")
    staff_group = SelectField("Staff group", validators=[DataRequired("Choose the rater's staff group.")])

    def for_rules(self, rules: msf.MsfRules) -> RaterForm:
        self.staff_group.choices = [("", "Choose a staff group")] + [(g.key, g.label) for g in rules.staff_groups]
        return self


def _comment(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        description="The trainee reads this without your name. Do not include patient details.",
        validators=[
            Length(max=msf.COMMENT_LIMIT, message=f"Keep each comment to {msf.COMMENT_LIMIT} characters."),
            NoPatientIdentifiers(),
        ],
    )


def answer_form(rules: msf.MsfRules) -> PortalForm:
    """The questionnaire for this curriculum's questions: one rating each, then the two comments."""

    class AnswerForm(PortalForm):
        def ratings(self) -> dict[str, str]:
            return {q.key: self[f"q_{q.key}"].data for q in rules.questions}

        def comments(self) -> dict[str, str]:
            return {key: (self[f"c_{key}"].data or "").strip() for key, _ in msf.COMMENT_PROMPTS}

    for question in rules.questions:
        field = RadioField(
            question.text, choices=list(msf.RATINGS), validators=[DataRequired("Choose a rating, or “Unable to comment”.")]
        )
        setattr(AnswerForm, f"q_{question.key}", field)
    for key, prompt in msf.COMMENT_PROMPTS:
        setattr(AnswerForm, f"c_{key}", _comment(prompt))
    return AnswerForm()


class DecideForm(PortalForm):
    decision = RadioField(
        "Your decision",
        choices=[
            ("release", "Release the feedback to the trainee: it counts as their MSF"),
            ("close", "Close the round early: it does not count"),
        ],
        validators=[DataRequired("Choose whether to release the feedback or close the round.")],
    )
    comment = TextAreaField(
        "Your comments for the trainee",
        description="The trainee reads these with the feedback. Do not include patient details.",
        validators=[Length(max=4000, message="Keep your comments to 4000 characters."), NoPatientIdentifiers()],
    )


class ResendForm(PortalForm):
    """Only the CSRF token."""
