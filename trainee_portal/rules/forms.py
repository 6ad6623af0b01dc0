"""The form for one version of a region's rule; whether its provenance holds is the domain core's word."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from competencies import EVIDENCE_TYPES, SUPERVISION_LEVELS
from competencies.provenance import LOCAL, SUGGESTION, check, quotes_number
from trainee_portal import curricula
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers

BASIS_CHOICES = [
    (LOCAL, "Local rule: published by a school or region (name it and quote its words)"),
    (SUGGESTION, "The programme's own suggestion (no published source)"),
]


class LocalRuleForm(PortalForm):
    curriculum_version = SelectField("Curriculum version", validators=[InputRequired("Choose the curriculum version.")])
    competency_code = StringField(
        "Competency code",
        validators=[InputRequired("Enter the competency's code, for example PM_BS_01."), Length(max=20)],
        filters=[lambda v: (v or "").strip().upper()],
    )
    evidence_type = SelectField("Evidence type", validators=[InputRequired("Choose the kind of evidence.")])
    minimum = IntegerField(
        "Minimum number",
        validators=[
            InputRequired("Enter the minimum as a whole number, for example 16."),
            NumberRange(min=1, max=9999, message="Enter a whole number from 1 to 9999."),
        ],
    )
    supervision_level = SelectField("Lowest supervision level that counts", validators=[Optional()])
    signoff_required = BooleanField("Only signed-off items count")
    basis = RadioField(
        "Where the rule comes from", choices=BASIS_CHOICES, validators=[InputRequired("Choose where the rule comes from.")]
    )
    citation = StringField(
        "Who publishes it",
        validators=[Optional(), Length(max=200)],
        description="For a local rule: the school or region and its document, e.g. NHS Education for Scotland, basic pain guidance.",
    )
    quote = TextAreaField(
        "The rule in its own words",
        validators=[Optional(), Length(max=1000), NoPatientIdentifiers()],
        description="For a local rule: the sentence that states the number, e.g. at least 8 consultant-supervised acute pain rounds.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.curriculum_version.choices = curricula.version_choices()
        self.evidence_type.choices = [(code, kind.label) for code, kind in EVIDENCE_TYPES.items()]
        self.supervision_level.choices = [("", "Any, or none recorded")] + [
            (level, f"Level {level}") for level in SUPERVISION_LEVELS
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        version, code = self.curriculum_version.data, self.competency_code.data
        if version in curricula.registry() and code and not curricula.curriculum(version).has_competency(code):
            self.competency_code.errors.append(f"Curriculum {version} has no competency {code}.")
            valid = False
        citation, quote = (self.citation.data or "").strip(), (self.quote.data or "").strip()
        minimum = self.minimum.data if isinstance(self.minimum.data, int) else None
        if self.basis.data in (LOCAL, SUGGESTION) and check(self.basis.data, (citation,) if citation else (), quote, minimum):
            valid = False
            if self.basis.data == SUGGESTION:
                self.basis.errors.append(
                    "A programme suggestion has no published source: leave 'Who publishes it' and the quote empty, "
                    "or choose local rule."
                )
            if self.basis.data == LOCAL and not citation:
                self.citation.errors.append("Name who publishes this local rule.")
            if self.basis.data == LOCAL and not quote:
                self.quote.errors.append("Quote the local rule in its own words.")
            elif self.basis.data == LOCAL and minimum is not None and not quotes_number(quote, minimum):
                self.quote.errors.append(f"The quote must state the minimum, {minimum}, in the source's words.")
        return valid

    def values(self) -> dict:
        local = self.basis.data == LOCAL
        return {
            "curriculum_version": self.curriculum_version.data,
            "competency_code": self.competency_code.data,
            "evidence_type": self.evidence_type.data,
            "minimum": self.minimum.data,
            "supervision_level": self.supervision_level.data or None,
            "signoff_required": bool(self.signoff_required.data),
            "basis": self.basis.data,
            "citation": (self.citation.data or "").strip() if local else "",
            "quote": (self.quote.data or "").strip() if local else "",
        }
