"""The form validator that keeps patient identifiers out of free text; the checker itself is competencies.identifiers."""

from __future__ import annotations

from wtforms.validators import ValidationError

from competencies.identifiers import describe, find_identifiers


class NoPatientIdentifiers:
    """WTForms validator refusing free text that holds a patient identifier, naming the words to remove."""

    field_flags = {}

    def __call__(self, form, field):
        data = field.data if isinstance(field.data, str) else None
        findings = find_identifiers(data)
        if findings:
            raise ValidationError(describe(findings))
