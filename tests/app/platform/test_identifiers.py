"""The WTForms validator over the core's patient-identifier checker (the checker's own tests: tests/core)."""

from __future__ import annotations

from wtforms import Form, StringField

from trainee_portal.platform.identifiers import NoPatientIdentifiers


class NotesForm(Form):
    notes = StringField(validators=[NoPatientIdentifiers()])


def test_validator_refuses_identifiers_and_names_them():
    form = NotesForm(data={"notes": "Injected at L4/5, hospital no. A123456"})
    assert not form.validate()
    assert form.notes.errors == [
        'Remove "hospital no. A123456": it looks like a hospital number. Free text must not identify a patient.'
    ]


def test_validator_accepts_clean_and_empty_text():
    assert NotesForm(data={"notes": "Ultrasound-guided TAP block, supervised 2b."}).validate()
    assert NotesForm(data={"notes": None}).validate()
