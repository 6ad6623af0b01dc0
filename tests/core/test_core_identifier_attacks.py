"""Dates of birth as a hurried trainee types them, which the identifier check must still refuse: with the portal's
own day-month-year spacing ("DOB 12 03 1956", as every date input's hint shows dates), run together
("dob 12031956"), with "the" ("born on the 12th of March 2019"), with slashes in the wording ("d/o/b") or spaces
around the separators. And the check stays fast on long text, whatever it holds."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competencies.identifiers import _DIGIT, _scan, find_identifiers

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    "text",
    [
        "D.O.B:12/3/56",
        "dob-12.03.1956",
        "born on the 12th of March 1956",
        "Mrs Jones 67F 12/03/1956",
        "DOB 12 03 1956",
        "DOB 12 03 2019",
        "dob: 5 7 2019",
        "Mrs Jones 12 03 1956 seen in clinic",
        "DOB 12031956",
        "dob 120356",
        "DOB: 12032019",
        "born on the 12th of March 2019",
        "born on the 3rd of May 2018",
        "d/o/b 12/3/2019",
        "D/O/B: 12.03.2019",
        "DOB 12 / 03 / 2019",
        "DOB 12 - 03 - 2019",
        "1956/03/12",
        "dob 2019/03/12",
        "date-of-birth 12/3/2019",
        "DOB/12/3/2019",
    ],
)
def test_a_date_of_birth_typed_carelessly_is_refused(text):
    assert "date_of_birth" in [f.kind for f in find_identifiers(text, TODAY)], text


@pytest.mark.parametrize(
    "text",
    [
        "Seen 12 03 2026 in clinic, VAS 7 10",
        "L4 5 2019 MRI",
        "Pain scores 8 10 then 4 10 after the block",
        "Reviewed on 12 03 2026 with the team",
        "Dose 10 20 2000 units",
        "Counted 3 4 1000 times",
        "Sessions 2 3 1234",
    ],
)
def test_ordinary_numbers_and_recent_spaced_dates_pass(text):
    assert find_identifiers(text, TODAY) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "DOB 12 03 " * 20_000,
        "1 " * 50_000,
        "born on the " * 20_000,
        "d/o/b " * 20_000,
        "12 / 03 / " * 20_000,
        "Mrs Jones 12/03/2019, " * 5_000,
        "1-" * 50_000,
    ],
)
def test_long_text_is_checked_quickly(text):
    started = time.perf_counter()
    find_identifiers(text, TODAY)
    assert time.perf_counter() - started < 5


# find_identifiers answers text without a digit at once (no pattern is run over it). That holds only while every
# pattern needs a digit to match, so the patterns themselves (_scan) are run here over digit-free text made of the
# words they look for: a pattern added later that finds something without a digit (a name alone, a date written in
# words) fails this test, and the shortcut must then go.
_CUES = (
    "DOB|D.O.B.|d/o/b|date of birth|born on the|born in|b.|aged|Mrs|Mr|Dr|Jane Smith|NHS|NHS no|MRN|"
    "hospital number|K no.|case note|pt id|CHI|postcode|SW|AA|GIR|March|Mar|th of|third|"
    "twelfth of March nineteen fifty-six|'|/|-|.|,|:|(|)|seen|MRI|clinic|L|T|th|st|nd|rd|x|#"
).split("|")
_NO_DIGITS = st.characters(blacklist_categories=("Nd",))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(_CUES), st.text(_NO_DIGITS, max_size=6)), max_size=30), st.sampled_from([" ", "", "\n"])
)
def test_no_pattern_finds_an_identifier_in_text_without_a_digit(words, separator):
    text = separator.join(words)
    assert _DIGIT.search(text) is None
    assert _scan(text, TODAY) == []
    assert find_identifiers(text, TODAY) == []


def test_text_with_a_digit_is_still_checked():
    assert [f.kind for f in find_identifiers("Reviewed Mrs Smith, DOB 12/03/1956, at clinic", TODAY)] == ["date_of_birth"]
    # Digits of any script are digits to the shortcut, as to the patterns: such text is scanned, not waved through.
    text = "hospital number K\u0661\u0662\u0663\u0664\u0665\u0666\u0667"
    assert find_identifiers(text, TODAY) == _scan(text, TODAY) != []
