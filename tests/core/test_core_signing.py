"""The signing rules: which PINs are refused, and how many new assessor links a request allows."""

from __future__ import annotations

import pytest

from competencies import signing
from competencies.provenance import SUGGESTION


@pytest.mark.parametrize(
    "pin", ["000000", "99999999", "123456", "234567", "12345678", "654321", "87654321", "890123", "121212", "112211"]
)
def test_trivial_pins_are_refused(pin):
    assert signing.pin_problems(pin)


@pytest.mark.parametrize("pin", ["12345", "123456789", "", "12 456", "١٢٣٤٥٦", "48091a"])
def test_pins_outside_the_shape_are_refused(pin):
    assert signing.pin_problems(pin) == ["Enter a PIN of 6 to 8 digits, numbers only."]


@pytest.mark.parametrize("pin", ["480915", "7362049", "13572468", "102938"])
def test_ordinary_pins_are_accepted(pin):
    assert signing.pin_problems(pin) == []


def test_reissues_are_the_programmes_number_plus_what_a_director_allowed():
    assert signing.reissues_allowed(0) == signing.LINK_REISSUES_PER_REQUEST.value == 3
    assert signing.reissues_allowed(2) == 5 and signing.reissues_allowed(-4) == 3


def test_every_signing_number_is_labelled_the_programmes_own_suggestion():
    rules = [v for v in vars(signing).values() if isinstance(v, signing.SigningRule)]
    assert len(rules) == 5
    for rule in rules:
        assert rule.basis == SUGGESTION and rule.provenance.startswith("The programme's own suggestion")
