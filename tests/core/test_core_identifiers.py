"""The patient-identifier checker (pure, in the core): each kind of identifier is caught and named, ordinary clinical prose passes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competencies.identifiers import describe, find_identifiers, is_valid_nhs_number, nhs_check_digit


def kinds(text):
    return [(f.kind, f.text) for f in find_identifiers(text)]


@st.composite
def valid_nhs_numbers(draw):
    while True:
        first_nine = "".join(str(d) for d in draw(st.lists(st.integers(0, 9), min_size=9, max_size=9)))
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


@given(
    valid_nhs_numbers(),
    st.sampled_from(["compact", "spaces", "hyphens"]),
    st.sampled_from(["", "Seen patient ", "Ref: ", "ward 7, "]),
    st.sampled_from(["", " today.", ", reviewed"]),
)
def test_every_valid_nhs_number_is_caught_however_it_is_written(number, layout, before, after):
    written = {
        "compact": number,
        "spaces": f"{number[:3]} {number[3:6]} {number[6:]}",
        "hyphens": f"{number[:3]}-{number[3:6]}-{number[6:]}",
    }[layout]
    findings = find_identifiers(before + written + after)
    assert [f.text for f in findings] == [written]
    assert findings[0].kind in {"nhs_number", "chi_number"}


PROSE_WORDS = [
    "patient",
    "epidural",
    "facet",
    "joint",
    "injection",
    "ultrasound",
    "guided",
    "landmark",
    "clinic",
    "ward",
    "round",
    "MDT",
    "discussed",
    "opioid",
    "tapering",
    "neuropathic",
    "pain",
    "consent",
    "under",
    "supervision",
    "consultant",
    "reflected",
    "on",
    "the",
    "and",
    "with",
    "born",
    "DOB",
    "MRN",
    "hospital",
    "number",
    "unit",
    "March",
    "Tuesday",
    "radiofrequency",
    "denervation",
    "lumbar",
    "L",
    "S",
    "T",
    "C",
    "SW",
    "NHS",
    "no.",
    "—",
    "(",
    ")",
    ",",
    ".",
    "'",
    "é",
]


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(PROSE_WORDS), max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Nd", "No", "Nl", "Cs")), max_size=80),
)
def test_clinical_prose_without_digits_passes(words, noise):
    assert find_identifiers(" ".join(words) + " " + noise) == []


def test_nhs_check_digit_follows_modulus_eleven():
    assert nhs_check_digit("943476591") == 9
    assert is_valid_nhs_number("943 476 5919")
    assert not is_valid_nhs_number("943 476 5918")
    assert nhs_check_digit("123456789") is None  # remainder gives 10: no valid number starts this way


def test_nhs_test_range_is_refused_even_without_a_valid_check_digit():
    assert kinds("dummy 999 123 4567 used") == [("nhs_number", "999 123 4567")]


def test_numbers_that_pass_no_check_are_allowed():
    assert kinds("Order 1234567890 of 12 needles; phone 01632 960001") == []
    assert kinds("943 476 5918") == []


def test_scottish_chi_number_starting_with_a_date_is_refused():
    assert kinds("CHI 1203561234") == [("chi_number", "1203561234")]
    assert kinds("3203561234") == []  # day 32 is not a date


# Each text holds one identifier of the kind named; the words to remove are the whole text unless given.
NAMED = {
    "date_of_birth": ["DOB 12/03/1956", "d.o.b: 1/2/50", "born in 1956", "date of birth 3rd Jan 1950", "born March 1956"],
    "postcode": ["lives at SW1A 1AA|SW1A 1AA", "m1 1ae", "EH8 9YL.|EH8 9YL", "L4 5TH", "GIR 0AA", "cr26xh"],
    "hospital_number": [
        "MRN 1234567",
        "hospital number A123456",
        "hosp no: K12345",
        "unit no. 7654321",
        "seen RXX1234567 today|RXX1234567",
        "ref ab1234567|ab1234567",
    ],
}


@pytest.mark.parametrize("kind, case", [(kind, case) for kind, cases in NAMED.items() for case in cases])
def test_birth_wording_postcodes_and_hospital_numbers_are_refused(kind, case):
    text, _, found = case.partition("|")
    assert kinds(text) == [(kind, found or text)]


@pytest.mark.parametrize(
    "text", ["seen 12/03/1956", "12-3-56 list", "on 12 March 1956", "12th of Mar '56", "March 12, 1956", "1956-03-12"]
)
def test_full_dates_with_a_year_are_refused(text):
    assert [k for k, _ in kinds(text)] == ["full_date"]


@pytest.mark.parametrize(
    "text",
    [
        "Clinic in March 2026",
        "list on 12 March",
        "audit 03/2026",
        "L4/5 facet",
        "ratio 1/2",
        "30/40 gestation",
        "T12 3rd level",
        "VAS 7/10 at 3pm",
    ],
)
def test_month_and_year_or_day_and_month_are_allowed(text):
    assert kinds(text) == []


def test_each_identifier_is_named_once_in_reading_order():
    text = "MRN 1234567, lives SW1A 1AA, NHS 943 476 5919, DOB 12/03/1956"
    assert [k for k, _ in kinds(text)] == ["hospital_number", "postcode", "nhs_number", "date_of_birth"]


def test_message_names_the_words_to_remove():
    assert describe(find_identifiers("Patient 943 476 5919")) == (
        'Remove "943 476 5919": it looks like an NHS number. Free text must not identify a patient.'
    )


@pytest.mark.parametrize(
    "text",
    [
        "Lidocaine 1% 5 ml, 22G spinal needle, 0.5 mg/kg ketamine over 4h",
        "BMI 32, GCS 15/15, BP 120/80, SpO2 98%",
        "2/52 follow-up then 6/12 review",
        "T10-L1, C5/6, S1 root, L4-5",
        "Call 0161 123 4567 or 07700 900123",
        "RF at 80C for 90s x3 lesions, 18G 100mm 10mm active tip",
        "SCS trial 7 days; 50% relief; NRS 8/10 to 4/10",
        "Born in Leeds, retired miner; ward 5A bed 12",
    ],
)
def test_everyday_clinical_numbers_are_not_mistaken_for_identifiers(text):
    assert kinds(text) == []
