"""The form validator that keeps patient identifiers out of free text; the checker itself is competencies.identifiers.
Dates are read against the app's clock (the UK calendar day), so a clinic on 12/03/2026 is an ordinary date and a
date of 1956 is a date of birth, as the checker's policy says."""

from __future__ import annotations

from wtforms.validators import ValidationError

from competencies.identifiers import describe, find_identifiers
from trainee_portal.platform.clock import uk_today


class NoPatientIdentifiers:
    """WTForms validator refusing free text that holds a patient identifier, naming the words to remove."""

    field_flags = {}

    def __call__(self, form, field):
        data = field.data if isinstance(field.data, str) else None
        findings = find_identifiers(data, today=uk_today())
        if findings:
            raise ValidationError(describe(findings))
