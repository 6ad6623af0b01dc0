"""The demo's evidence reads like a pain trainee's own entries: titles such as "CBD: new patient with chronic low back
pain, opioid review", competencies named by their names, never a code, and nothing that identifies a patient."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from competencies import EVIDENCE_TYPES
from competencies.identifiers import find_identifiers
from competencies.loader import load_registry
from trainee_portal.demo import load_demo, wording
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry

CODE = re.compile(r"\b[A-Z]{1,3}\d?_[A-Z0-9]+_\d+\b|\bS\d_")  # a competency code such as S1_PM_03 or H_PM_02
OLD_STYLE = re.compile(r"^(Cbd|Cex|Dops|Msf|Almat|Aqipat|Clinic|Ward round|Mdt|Procedure|Teaching|Reflection) for ")


def _every_rule():
    registry = load_registry()
    for version in registry.versions():
        for competency in registry.get(version).competencies:
            for rule in competency.evidence:
                if rule.evidence_type in EVIDENCE_TYPES:
                    yield competency, rule.evidence_type


def test_every_phrase_in_the_tables_is_free_of_patient_identifiers():
    phrases = [p for table in (wording.TITLES, wording.NOTES) for options in table.values() for p in options]
    phrases.append(wording.REFLECTION)
    assert all(kind in EVIDENCE_TYPES for kind in (*wording.TITLES, *wording.NOTES))
    flagged = {p: find_identifiers(p) for p in phrases if find_identifiers(p)}
    assert flagged == {}


def test_every_title_the_curricula_can_produce_names_its_competency_by_name_and_fits_the_column():
    seen = 0
    for competency, kind in _every_rule():
        for day in range(1, 29, 3):  # several dates: the choice moves with the date
            title = wording.title(kind, competency.code, competency.title, date(2026, 2, day))
            seen += 1
            assert not CODE.search(title) and "{" not in title, title
            assert not OLD_STYLE.match(title), title
            assert 0 < len(title) <= 200 and not find_identifiers(title), title
            phrase = wording._pick(wording.TITLES.get(kind, ("{competency}",)), kind, competency.code, date(2026, 2, day))
            if "{competency}" in phrase:
                assert competency.title.lower() in title.lower(), title
            notes = wording.notes(kind, competency.code, date(2026, 2, day))
            assert notes and not find_identifiers(notes), notes
    assert seen > 500


def test_a_title_with_the_competency_in_it_uses_its_name():
    on = next(
        date(2026, 1, d)
        for d in range(1, 32)
        if "{competency}" in wording._pick(wording.TITLES["wba.cbd"], "wba.cbd", "S3_PM_01", date(2026, 1, d))
    )
    assert wording.title("wba.cbd", "S3_PM_01", "Assessment of chronic and acute-on-chronic pain", on) == (
        "CBD: assessment of chronic and acute-on-chronic pain, a case from the pain clinic"
    )
    assert (
        wording.title("report.mtr", "S3_PM_01", "Team working", on) == "MTR: multiple trainer report for the pain medicine block"
    )


def test_the_choice_is_the_same_every_time_and_varies_across_entries():
    first = [wording.title("wba.cbd", f"S3_PM_0{n}", "Pharmacotherapy of pain", date(2026, 3, n)) for n in range(1, 10)]
    again = [wording.title("wba.cbd", f"S3_PM_0{n}", "Pharmacotherapy of pain", date(2026, 3, n)) for n in range(1, 10)]
    assert first == again and len(set(first)) >= 3


@pytest.fixture
def demo(app):
    load_demo()


def test_the_demo_evidence_reads_like_real_entries(demo):
    rows = db.session.execute(select(EvidenceEntry.evidence_type, EvidenceEntry.title, EvidenceEntry.notes)).all()
    assert len(rows) > 200
    for _kind, title, notes in rows:
        assert not CODE.search(title) and not OLD_STYLE.match(title), title
        assert not find_identifiers(title) and not find_identifiers(notes), (title, notes)
    generated = [title for kind, title, _ in rows if kind in wording.TITLES]
    by_title = Counter(generated)
    assert len(by_title) >= 30  # many different entries, not one phrase repeated
    cbds = [title for kind, title, _ in rows if kind == "wba.cbd"]
    assert cbds and all(title.startswith("CBD: ") for title in cbds)
    dops = [title for kind, title, _ in rows if kind == "wba.dops"]
    assert dops and all(title.startswith("DOPS: ") for title in dops)
