"""The WTForms validator over the core's patient-identifier checker (the checker's own tests: tests/core)."""

from __future__ import annotations

from datetime import date

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


def test_validator_reads_dates_against_the_apps_own_day(clock):
    clock.set(date(2026, 12, 1))
    assert NotesForm(data={"notes": "Reviewed in clinic on 12/03/2026, MRI 2024-11-02."}).validate()
    clock.set(date(2045, 1, 10))  # the same clinic date, decades on, is as far back as a date of birth
    form = NotesForm(data={"notes": "Reviewed in clinic on 12/03/2026, MRI 2024-11-02."})
    assert not form.validate()
    assert form.notes.errors == [
        'Remove "12/03/2026": it looks like a date of birth. Remove "2024-11-02": it looks like a date of birth. '
        "Free text must not identify a patient."
    ]
