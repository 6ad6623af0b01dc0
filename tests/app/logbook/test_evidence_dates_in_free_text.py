"""Dates in the evidence form's free text: an ordinary date of a clinical event is kept, a date of birth is refused
with its message beside the field it was typed in (the checker's own tests: tests/core/test_core_identifiers.py)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.app.logbook.helpers import form_data
from tests.factories import TraineeFactory
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry


def _post(client, data):
    return client.post("/logbook/new", data=data, content_type="multipart/form-data")


def _error_beside(page: str, field: str) -> str:
    """The text of the error message the NHS.UK component shows with the field (`<id>-error`), tags removed."""
    found = re.search(rf'<span class="nhsuk-error-message" id="{field}-error"\s*>(.*?</span>.*?)</span>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def _entries(trainee):
    return db.session.scalars(select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id)).all()


@pytest.mark.parametrize(
    "field, text",
    [
        ("notes", "Reviewed in clinic on 12/03/2026 after L4/5 medial branch blocks: NRS 8/10 down to 2/10."),
        ("notes", "Seen 3 March 2025, follow-up 12/06/2025; MRI 2024-11-02 showed an L5/S1 disc; injection 01.02.2026."),
        ("title", "Clinic 12/03/2026: general pain clinic, 6 new patients"),
    ],
)
def test_an_ordinary_clinical_date_is_kept(client, login, clock, field, text):
    clock.set(date(2026, 12, 1))
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(**{field: text}))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [entry] = _entries(trainee)
    assert getattr(entry, field) == text


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("notes", "DOB 12/03/1956, reviewed in clinic on 12/03/2026.", 'Remove "DOB 12/03/1956": it looks like a date of birth.'),
        ("notes", "Mrs Smith 12/03/1956: chronic low back pain.", 'Remove "12/03/1956": it looks like a date of birth.'),
        ("reflection", "Jack Evans (04/07/2014), 12-year-old with CRPS.", 'Remove "04/07/2014": it looks like a date of birth.'),
    ],
)
def test_a_date_of_birth_is_refused_with_the_message_beside_the_field(client, login, clock, field, text, message):
    clock.set(date(2026, 12, 1))
    trainee = TraineeFactory()
    login(trainee)
    kind = {"evidence_type": "reflection", "supervision_level": ""} if field == "reflection" else {}
    response = _post(client, form_data(**{**kind, field: text}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _error_beside(page, field) == f"Error: {message} Free text must not identify a patient."
    assert f'href="#{field}"' in page  # the error summary links to the field
    assert _entries(trainee) == []


def test_the_form_judges_a_date_against_the_apps_own_day(client, login, clock):
    """Decades on, the same clinic date is as far back as a date of birth, and is refused as one."""
    clock.set(date(2045, 1, 10))
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(notes="Reviewed in clinic on 12/03/2026."))
    assert response.status_code == 400
    assert 'Remove "12/03/2026": it looks like a date of birth.' in _error_beside(response.get_data(as_text=True), "notes")
