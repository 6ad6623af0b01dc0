"""Which details each kind of evidence records: every kind has its list, the supervision level exactly where the
kind is clinical work, the procedure's technique and guidance only for procedures, and every required detail is one
the kind records."""

from __future__ import annotations

import pytest

from competencies import (
    DETAIL_FIELDS,
    EVIDENCE_DETAILS,
    EVIDENCE_TYPES,
    REQUIRED_TEXT,
    detail_fields,
    needs_procedure_details,
    needs_supervision,
    required_details,
)


def test_every_kind_lists_its_details_from_the_known_ones():
    assert set(EVIDENCE_DETAILS) == set(EVIDENCE_TYPES)
    for code, details in EVIDENCE_DETAILS.items():
        assert details and set(details) <= set(DETAIL_FIELDS), code


@pytest.mark.parametrize("code", sorted(EVIDENCE_TYPES))
def test_a_kind_records_a_supervision_level_exactly_when_it_needs_one(code):
    assert ("supervision_level" in detail_fields(code)) == needs_supervision(code)


@pytest.mark.parametrize("code", sorted(EVIDENCE_TYPES))
def test_what_a_kind_requires_is_among_what_it_records(code):
    assert required_details(code) <= set(detail_fields(code))
    if code in REQUIRED_TEXT:
        assert REQUIRED_TEXT[code][0] in required_details(code)


def test_a_clinic_records_where_and_how_supervised_and_nothing_of_a_procedure():
    assert detail_fields("logbook.clinic") == ("setting", "hospital", "supervision_level", "notes")
    assert required_details("logbook.clinic") == {"supervision_level"}
    assert {code for code in EVIDENCE_TYPES if needs_procedure_details(code)} == {"logbook.procedure", "wba.dops"}
    assert required_details("logbook.procedure") == {"supervision_level", "technique", "guidance"}


def test_a_reflection_is_its_text_and_a_certificate_needs_its_file():
    assert detail_fields("reflection") == ("reflection",) and required_details("reflection") == {"reflection"}
    assert "attachment" in required_details("certificate")


def test_an_unknown_kind_records_nothing():
    assert detail_fields("report.forged") == () and required_details(None) == frozenset()
