"""Flags and warnings: every threshold once, with its basis, and the rules built on them."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from competencies import ExamRules, flags, load_registry
from competencies.flags import BASES, SUGGESTION, THRESHOLDS, Threshold

RULES = ExamRules(
    mcq_before_soe=True,
    mcq_validity_years=3,
    max_attempts_per_part=6,
    extra_training_from_attempt=6,
    soe_requires_rapm_confirmation=True,
    soe_min_advanced_months=6,
)
NOW = datetime(2026, 6, 1, 12, 0)


def test_every_threshold_says_where_it_comes_from():
    assert set(THRESHOLDS) == {
        "behind_tolerance",
        "idle_days",
        "signoff_wait_days",
        "exam_attempts",
        "mcq_expiry_warning_months",
        "last_attempts_warned",
    }
    for threshold in THRESHOLDS.values():
        assert threshold.basis in BASES
        assert threshold.provenance.startswith(BASES[threshold.basis])


def test_national_and_local_rules_name_sources_and_suggestions_do_not():
    assert Threshold("x", 1, "x", "national", ("EH-ELIG",)).provenance == "National rule [EH-ELIG]"
    assert Threshold("x", 1, "x", "local", ("SCOT",)).provenance == "Local rule [SCOT]"
    with pytest.raises(ValueError):
        Threshold("x", 1, "x", "national")
    with pytest.raises(ValueError):
        Threshold("x", 1, "x", SUGGESTION, ("SCOT",))
    with pytest.raises(ValueError):
        Threshold("x", 1, "x", "rumour")


def test_flag_titles_carry_the_thresholds():
    assert flags.FLAG_TITLES == {
        "behind": "Behind expected progress",
        "idle": "No activity for 60 days",
        "waiting": "Sign-off waiting over 14 days",
        "attempts": "4 or more attempts at one exam part",
    }


@pytest.mark.parametrize(
    "percent, days, behind",
    [
        (0.0, 70, True),  # 10 of 12 weeks in with nothing done
        (0.0, 7, False),  # 1 week in: expected 8.3%, within the tolerance
        (50.0, 84, True),  # the stage is over: anything under 85% is behind
        (85.0, 200, False),
        (10.0, 21, False),  # expected 25%: exactly 15 points behind is not more than 15
        (9.9, 21, True),
        (0.0, 0, False),
    ],
)
def test_behind_compares_progress_with_the_straight_line(percent, days, behind):
    assert flags.behind(percent, days, 84) is behind


def test_behind_takes_a_combinator_for_query_builders():
    seen = []

    def both(first, second):
        seen.append((first, second))
        return "combined"

    assert flags.behind(0.0, 70, 84, both=both) == "combined"
    assert seen == [(True, True)]


def test_idle_counts_from_the_last_activity_or_the_stage_start():
    assert flags.is_idle(NOW - timedelta(days=61), date(2026, 5, 30), NOW)
    assert not flags.is_idle(NOW - timedelta(days=59), date(2020, 1, 1), NOW)
    assert flags.is_idle(None, date(2026, 3, 1), NOW)
    assert not flags.is_idle(None, date(2026, 5, 1), NOW)
    assert flags.idle_cutoff(NOW) == NOW - timedelta(days=60)


def test_sign_off_requests_are_overdue_after_14_days():
    assert flags.signoff_overdue_cutoff(NOW) == NOW - timedelta(days=14)


def test_four_attempts_at_one_part_are_flagged():
    assert not flags.many_attempts(3)
    assert flags.many_attempts(4)


def test_mcq_expiry_is_warned_within_six_months():
    today = date(2026, 6, 1)
    assert flags.mcq_expiring(RULES, date(2023, 11, 1), today)  # expires 1 November 2026
    assert not flags.mcq_expiring(RULES, date(2024, 1, 1), today)  # expires January 2027
    assert not flags.mcq_expiring(RULES, date(2023, 5, 1), today)  # already expired


def test_the_last_two_attempts_are_late_and_then_none_are_left():
    assert [used for used in range(8) if flags.late_attempt(RULES, used)] == [4, 5]
    assert [used for used in range(8) if flags.no_attempts_left(RULES, used)] == [6, 7]


def test_late_attempts_are_the_last_ones_of_the_parts_maximum():
    rules = load_registry().get("2021").exam
    assert flags.late_attempt_numbers(rules) == (5, 6)
    assert flags.late_attempt_numbers(replace(rules, max_attempts_per_part=1)) == (1,)
