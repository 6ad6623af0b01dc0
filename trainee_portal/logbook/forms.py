"""The evidence form (also used to check every CSV row), the logbook filter and the CSV import form."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from competencies import (
    DETAIL_FIELDS,
    EVIDENCE_TYPES,
    GUIDANCE_MODES,
    PROCEDURE_TECHNIQUES,
    REQUIRED_TEXT,
    detail_fields,
    needs_procedure_details,
    needs_supervision,
    required_details,
)
from trainee_portal.logbook import vocab
from trainee_portal.logbook.attachments import check_upload, name_problem
from trainee_portal.platform.clock import uk_today  # noqa: F401 (routes import it from here too)
from trainee_portal.platform.fields import CalendarDateField
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers


def _strip(value):
    """Trim, and drop NUL characters: they mean nothing in text and PostgreSQL refuses to store them."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def _choices(vocabulary: dict[str, str], prompt: str) -> list[tuple[str, str]]:
    return [("", prompt)] + list(vocabulary.items())


class ChoiceField(SelectField):
    """A select whose refusal lists what is allowed (CSV rows can carry anything)."""

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            allowed = ", ".join(value for value, _ in self.choices if value)
            raise ValidationError(f"{str(self.data)[:40]!r} is not one of the choices: {allowed}")


class CompetencyField(SelectMultipleField):
    def pre_validate(self, form):
        known = {value for value, _ in self.choices}
        unknown = [code for code in (self.data or []) if code not in known]
        if unknown:
            raise ValidationError(
                f"{', '.join(unknown)} {'is not a competency' if len(unknown) == 1 else 'are not competencies'} "
                "of your curriculum. Choose from the list."
            )


# The shared field() macro picks a component by the field's class name.
ChoiceField.__name__ = "SelectField"


class EvidenceForm(PortalForm):
    evidence_type = ChoiceField(
        "Type of evidence",
        choices=_choices({code: t.label for code, t in EVIDENCE_TYPES.items()}, "Choose a type"),
        validators=[DataRequired("Choose the type of evidence")],
    )
    occurred_on = CalendarDateField("Date", validators=[InputRequired("Enter the date.")])
    title = StringField(
        "Title",
        filters=[_strip],
        description="A few words to find it again. No patient details.",
        validators=[
            DataRequired("Enter a short title"),
            Length(max=200, message="Keep the title to 200 characters"),
            NoPatientIdentifiers(),
        ],
    )
    setting = ChoiceField("Setting", choices=_choices(vocab.SETTINGS, "Choose a setting"), validators=[Optional()])
    hospital = StringField(
        "Hospital",
        filters=[_strip],
        validators=[Optional(), Length(max=120, message="Keep the hospital name to 120 characters"), NoPatientIdentifiers()],
    )
    supervision_level = ChoiceField(
        "Supervision level", choices=_choices(vocab.LABELS["supervision_level"], "Choose a level"), validators=[Optional()]
    )
    technique = ChoiceField(
        "Procedure technique", choices=_choices(PROCEDURE_TECHNIQUES, "Choose a technique"), validators=[Optional()]
    )
    guidance = ChoiceField("Guidance", choices=_choices(GUIDANCE_MODES, "Choose the guidance"), validators=[Optional()])
    competencies = CompetencyField("Competencies this evidence shows", choices=[])
    notes = TextAreaField(
        "Notes",
        filters=[_strip],
        description="What you did and learned. Never names, dates of birth, NHS or hospital numbers or postcodes.",
        validators=[Optional(), Length(max=5000, message="Keep the notes to 5,000 characters"), NoPatientIdentifiers()],
    )
    reflection = TextAreaField(
        "Reflection",
        filters=[_strip],
        validators=[Optional(), Length(max=10000, message="Keep the reflection to 10,000 characters"), NoPatientIdentifiers()],
    )
    attachment = FileField(
        "Certificate or supporting file",
        description="PDF, PNG or JPEG, at most 10 MB.",
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )

    file_required = False  # the route sets it: a certificate needs its file
    # Details an entry saved before its kind stopped recording them: an edit shows and keeps them (the route sets it).
    kept_details: frozenset[str] = frozenset()

    def validate_occurred_on(self, field):
        if field.data is None:
            return
        today = uk_today()
        if field.data > today:
            raise ValidationError(f"The date cannot be in the future: enter {today:%d/%m/%Y} or earlier")
        oldest = vocab.oldest_allowed(today)
        if field.data < oldest:
            raise ValidationError(f"Enter a date after {oldest:%d/%m/%Y}: evidence older than that is not recorded here")

    def validate_competencies(self, field):
        if not field.data:
            raise ValidationError("Choose at least one competency this evidence shows")

    def validate_attachment(self, field):
        storage = field.data
        if storage is None or not getattr(storage, "filename", ""):
            if self.file_required:
                raise ValidationError("Upload the certificate as a PDF, PNG or JPEG file")
            return
        problem = check_upload(storage) or name_problem(storage.filename)
        if problem:
            raise ValidationError(problem)

    signoff_to = RadioField("Who should sign this off?", choices=[], validate_choice=False)

    def show_kind(self, kind: str | None) -> None:
        """Mark the details this kind cannot do without as required, so no label of theirs says "(optional)"."""
        required = required_details(kind)
        for name in DETAIL_FIELDS:
            getattr(self, name).flags.required = name in required

    def _ignore_other_kinds_details(self, kind: str | None) -> dict:
        """A detail the kind does not record is neither checked nor kept, whatever was sent for it; returns what was
        sent, so a refused form can still give it back (the page keeps it hidden, and shows it if the kind changes)."""
        details, ignored = set(detail_fields(kind)) | self.kept_details, {}
        for name in DETAIL_FIELDS:
            if name not in details:
                field = getattr(self, name)
                ignored[name] = field.data
                field.data = None if name == "attachment" else ""
                field.raw_data = []
        return ignored

    def validate(self, extra_validators=None):
        kind = self.evidence_type.data
        ignored = self._ignore_other_kinds_details(kind)
        valid = super().validate(extra_validators)
        if needs_supervision(kind) and not self.supervision_level.data:
            self.supervision_level.errors.append("Choose the level of supervision")
            valid = False
        if needs_procedure_details(kind):
            for field, message in (
                (self.technique, "Choose the procedure technique"),
                (self.guidance, "Choose the guidance used (landmark, ultrasound, X-ray or CT)"),
            ):
                if not field.data:
                    field.errors.append(message)
                    valid = False
        if kind in REQUIRED_TEXT:
            text = getattr(self, REQUIRED_TEXT[kind][0])
            if not text.data and not text.errors:
                text.errors.append(REQUIRED_TEXT[kind][1])
                valid = False
        if not valid:
            for name, value in ignored.items():
                if name != "attachment":
                    getattr(self, name).data = value
        return valid


class EvidenceEditForm(EvidenceForm):
    """Editing carries the row version the form was built from, so a save over a newer version is refused."""

    row_version = HiddenField(
        validators=[
            Regexp(
                r"^\d{1,9}$",
                message="This form is out of date or incomplete: open the evidence again and make your changes there.",
            )
        ]
    )


class LogbookFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    type = SelectField(
        "Type", choices=[("", "All types")] + [(c, t.label) for c, t in EVIDENCE_TYPES.items()], validators=[Optional()]
    )
    stage = SelectField("Stage", choices=[], validators=[Optional()])
    competency = SelectField("Competency", choices=[], validators=[Optional()])
    status = SelectField(
        "Status",
        choices=[
            ("", "Any status"),
            ("draft", "Draft"),
            ("submitted", "Awaiting sign-off"),
            ("signed", "Signed off"),
            ("returned", "Returned"),
        ],
        validators=[Optional()],
    )
    date_from = CalendarDateField("From", noun="the first date", validators=[Optional()])
    date_to = CalendarDateField("To", noun="the last date", validators=[Optional()])
    q = StringField("Search", filters=[_strip], validators=[Optional(), Length(max=100)])
    sort = SelectField(
        "Sort by",
        choices=[
            ("date_desc", "Newest first"),
            ("date_asc", "Oldest first"),
            ("type", "Type"),
            ("title", "Title"),
            ("status", "Status"),
        ],
        default="date_desc",
        validators=[Optional()],
    )
