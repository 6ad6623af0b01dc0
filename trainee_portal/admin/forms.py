"""Administration forms, validated on the server; choices are filled in by the views."""

from __future__ import annotations

import re

from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from competencies import STAGE_LEVELS
from trainee_portal.models.accounts import ROLE_LABELS, ROLES
from trainee_portal.platform.fields import CalendarDateField, email_field
from trainee_portal.platform.forms import PortalForm

GMC_PATTERN = re.compile(r"^\d{7}$")
# A DNS name of two or more labels, letters, digits and inner hyphens, ending in a top-level domain of letters.
DOMAIN_PATTERN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
STAGE_CHOICES = [("", "Choose a stage")] + [(level, level.capitalize()) for level in STAGE_LEVELS]


class MultiCheckboxField(SelectMultipleField):
    """Rendered as NHS.UK checkboxes by macros/forms.html."""


def _coerce_id(value):
    return int(value) if value not in (None, "") else None


class ProfileFields(PortalForm):
    """A trainee's profile. Fields are optional here so the invite form can leave them out for other roles."""

    gmc_number = StringField(
        "GMC number",
        description="7 digits, for example 7123456.",
        filters=[lambda v: v.strip().replace(" ", "") if isinstance(v, str) else v],
        validators=[Optional(), Length(max=7, message="A GMC number has 7 digits.")],
    )
    curriculum_version = SelectField("Curriculum version", validators=[Optional()])
    current_stage = SelectField("Current stage", choices=STAGE_CHOICES, validators=[Optional()])
    programme_start = CalendarDateField("Programme start", validators=[Optional()])
    stage_started_on = CalendarDateField(
        "Current stage started", noun="the date the current stage started", validators=[Optional()]
    )
    region_id = SelectField("Region", coerce=_coerce_id, validators=[Optional()])
    cohort_id = SelectField("Cohort", coerce=_coerce_id, validators=[Optional()])

    PROFILE_FIELDS = ("gmc_number", "curriculum_version", "current_stage", "programme_start", "stage_started_on", "region_id")
    REQUIRED_MESSAGES = {
        "gmc_number": "Enter the trainee's 7-digit GMC number.",
        "curriculum_version": "Choose the curriculum version the trainee follows.",
        "current_stage": "Choose the trainee's current stage.",
        "programme_start": "Enter the programme start date as a real date, for example 2024-08-07.",
        "stage_started_on": "Enter the date the current stage started, for example 2026-02-04.",
        "region_id": "Choose the trainee's region.",
    }

    def check_profile(self, cohort_regions: dict[int, int]) -> bool:
        """Require every profile field and check they agree; cohort_regions maps cohort id → region id."""
        ok = True
        for name in self.PROFILE_FIELDS:
            field = self[name]
            if field.errors:
                ok = False
            elif field.data in (None, ""):
                field.errors = [self.REQUIRED_MESSAGES[name]]
                ok = False
        if self.gmc_number.data and not self.gmc_number.errors and not GMC_PATTERN.match(self.gmc_number.data):
            self.gmc_number.errors = ["A GMC number is exactly 7 digits, for example 7123456."]
            ok = False
        if self.programme_start.data and self.stage_started_on.data and self.stage_started_on.data < self.programme_start.data:
            self.stage_started_on.errors = ["The current stage cannot start before the programme started."]
            ok = False
        if self.cohort_id.data and self.region_id.data and cohort_regions.get(self.cohort_id.data) != self.region_id.data:
            self.cohort_id.errors = ["This cohort belongs to another region. Choose a cohort of the trainee's region, or none."]
            ok = False
        return ok


class InviteForm(ProfileFields):
    email = email_field("Enter the person's email address.")
    name = StringField(
        "Full name",
        description="As others will see it, for example Dr Priya Shah.",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired("Enter the person's name."), Length(max=120, message="Names are at most 120 characters.")],
    )
    roles = MultiCheckboxField(
        "Roles", choices=[(r, ROLE_LABELS[r]) for r in ROLES], validators=[DataRequired("Choose at least one role.")]
    )


class ProfileForm(ProfileFields):
    pass


class RolesForm(PortalForm):
    roles = MultiCheckboxField(
        "Roles", choices=[(r, ROLE_LABELS[r]) for r in ROLES], validators=[DataRequired("Choose at least one role.")]
    )


class RegionForm(PortalForm):
    name = StringField(
        "Region name",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired("Enter the region's name."),
            Length(max=120, message="Region names are at most 120 characters."),
        ],
    )


class TrustedDomainsForm(PortalForm):
    """One region's trusted assessor email domains; after validation, `domains_list` holds them lower-cased and sorted."""

    domains = TextAreaField(
        "Trusted email domains",
        description="One per line or separated by commas, for example nhs.net. Leave empty to trust no domain.",
        validators=[Length(max=4000, message="Enter at most 4,000 characters.")],
    )
    domains_list: list[str] = []

    def validate_domains(self, field):
        found = [d.lower() for d in re.split(r"[,\s]+", field.data or "") if d]
        for domain in found:
            if "@" in domain:
                raise ValidationError(
                    f"Enter the domain only, without a name and @: {domain.split('@')[-1] or domain} rather than {domain}."
                )
            if not DOMAIN_PATTERN.match(domain):
                raise ValidationError(
                    f"“{domain}” is not an email domain: enter names like nhs.net or mft.nhs.uk "
                    "(letters, digits, hyphens and at least one dot, no spaces), one per line or "
                    "separated by commas."
                )
        self.domains_list = sorted(set(found))


class CohortForm(PortalForm):
    region_id = SelectField("Region", coerce=_coerce_id, validators=[InputRequired("Choose the region the cohort belongs to.")])
    name = StringField(
        "Cohort name",
        description="For example London 2026 intake.",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired("Enter the cohort's name."),
            Length(max=120, message="Cohort names are at most 120 characters."),
        ],
    )
    intake_year = IntegerField(
        "Intake year", validators=[Optional(), NumberRange(2000, 2100, "Enter an intake year between 2000 and 2100.")]
    )


class AssignmentForm(PortalForm):
    supervisor_id = SelectField("Supervisor", coerce=_coerce_id, validators=[InputRequired("Choose the supervisor.")])
    trainee_id = SelectField("Trainee", coerce=_coerce_id, validators=[InputRequired("Choose the trainee.")])
    kind = SelectField(
        "Kind",
        choices=[("educational", "Educational supervisor"), ("clinical", "Clinical supervisor")],
        validators=[DataRequired("Choose the kind of supervision.")],
    )
    starts_on = CalendarDateField("Starts on", noun="the start date", validators=[InputRequired("Enter the start date.")])
    ends_on = CalendarDateField(
        "Ends on", noun="the end date", description="Leave empty if the end is not known yet.", validators=[Optional()]
    )

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The end date must be on or after the start date.")

    def validate_trainee_id(self, field):
        if field.data is not None and field.data == self.supervisor_id.data:
            raise ValidationError("Nobody can supervise themselves. Choose another supervisor or trainee.")


class EndAssignmentForm(PortalForm):
    ends_on = CalendarDateField("End date", validators=[InputRequired("Enter the end date.")])


class ScopeForm(PortalForm):
    director_id = SelectField("Training director", coerce=_coerce_id, validators=[InputRequired("Choose the training director.")])
    region_id = SelectField("Region", coerce=_coerce_id, validators=[Optional()])
    cohort_id = SelectField("Cohort", coerce=_coerce_id, validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        # Checked here rather than on a field: Optional() would stop a field's own check when it is empty.
        ok = super().validate(extra_validators)
        if ok and bool(self.cohort_id.data) == bool(self.region_id.data):
            self.cohort_id.errors = ["Choose either a whole region or one cohort, not both and not neither."]
            return False
        return ok


class RoleScopeForm(PortalForm):
    """A region a person holds one of the regional roles for (RoleScope); the roles are the person's own."""

    role = SelectField("Role", validators=[InputRequired("Choose the role.")], validate_choice=True)
    region_id = SelectField("Region", coerce=_coerce_id, validators=[InputRequired("Choose the region.")])


class CurriculumUploadForm(PortalForm):
    file = FileField(
        "Curriculum file (TOML)",
        description="A .toml file in the schema of competencies/curricula/README.md, at most 1 MB.",
        validators=[FileRequired("Choose a curriculum file to upload.")],
        render_kw={"accept": ".toml"},
    )
