"""ARCP outcomes: the full list with meanings and sources, and reconvened panels in one training year."""

from datetime import date

import pytest

from competencies import arcp


def test_the_full_list_in_order_each_with_a_meaning_and_known_sources():
    codes = [o.code for o in arcp.OUTCOMES]
    assert codes == ["1", "2", "3", "4", "5", "6", "7.1", "7.2", "7.3", "7.4", "8", "9", "10.1", "10.2"]
    for outcome in arcp.OUTCOMES:
        assert outcome.meaning and outcome.sources
        assert set(outcome.sources) <= set(arcp.SOURCES)
    assert arcp.outcome("5").holding and arcp.outcome("7.4").holding and not arcp.outcome("1").holding
    assert arcp.outcome("9").meaning == "Top-up training in a training post"
    assert arcp.CATALOGUE.meaning("7") == "Unknown outcome"
    with pytest.raises(KeyError):
        arcp.outcome("7")


def test_a_second_panel_in_a_training_year_is_reconvened_after_the_first_outcome():
    panels = [
        arcp.Panel(3, "ST5", "1", date(2026, 9, 1)),
        arcp.Panel(1, "ST5", "5", date(2026, 6, 17)),
        arcp.Panel(2, "ST4", "1", date(2025, 6, 17)),
        arcp.Panel(4, "ST5", "2", date(2026, 9, 1)),  # same day as panel 3, recorded after it
    ]
    assert arcp.reconvened(panels) == {3: "Reconvened panel after outcome 5", 4: "Reconvened panel after outcome 1"}
    assert arcp.reconvened([]) == {}
