"""Training time at its edges: LTFT percentages, leave and OOP, period boundaries, 29 February, open-ended and
overlapping periods, periods wholly before or after, and the rules that read it (SOE months, stage trajectory,
Fellowship projection)."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from competencies import expected_percent, load_registry, stage_ends_on
from competencies.exam import MET, NOT_MET, ExamHistory, RapmStatus, Sitting, add_months, advanced_training_reached_on
from competencies.exam import sitting_eligibility as eligibility
from competencies.fellowship import project_fellowship
from competencies.training_time import (
    ABSENCE_REVIEW,
    COUNTING,
    KINDS,
    LEAVE,
    LTFT,
    OOP,
    OOPT,
    Period,
    absence_days,
    absence_review_due,
    clashes,
    day_share,
    period_problems,
    reached_on,
    training_days,
    validate,
)

START = date(2025, 1, 1)
CURRICULUM = load_registry().get("2021")
RULES = CURRICULUM.exam


def ltft(percent, starts_on=START, ends_on=None):
    return Period(LTFT, starts_on, ends_on, percent)


def test_without_periods_training_time_is_calendar_time_and_the_inverse_is_the_whole_time_date():
    assert training_days(START, date(2026, 1, 1)) == 365
    assert reached_on(START, date(2025, 7, 1)) == date(2025, 7, 1)
    assert advanced_training_reached_on(RULES, date(2024, 8, 31)) == add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)


def test_twelve_months_at_half_time_are_six_whole_time_months():
    periods = (ltft(50, START, date(2025, 12, 31)),)
    assert training_days(START, date(2026, 1, 1), periods) == Fraction(365, 2)
    six_months = (add_months(START, 6) - START).days  # 181 days from 1 January
    assert training_days(START, date(2026, 1, 1), periods) >= six_months
    # the day 181 whole-time days are reached at 50%: 362 calendar days on
    assert advanced_training_reached_on(RULES, START, periods) == START + timedelta(days=362)


@pytest.mark.parametrize("percent, days", [(50, 362), (60, 302), (80, 227)])
def test_the_six_months_stretch_with_the_percentage(percent, days):
    assert advanced_training_reached_on(RULES, START, (ltft(percent),)) == START + timedelta(days=days)


def test_period_boundaries_are_inclusive_both_ends():
    leave = Period(LEAVE, date(2025, 3, 10), date(2025, 3, 10))  # one day
    assert day_share(date(2025, 3, 9), [leave]) == 1
    assert day_share(date(2025, 3, 10), [leave]) == 0
    assert day_share(date(2025, 3, 11), [leave]) == 1
    assert training_days(START, date(2025, 4, 1), [leave]) == (date(2025, 4, 1) - START).days - 1
    # one day of leave moves the date a whole-time stretch is reached by one day
    assert reached_on(START, date(2025, 7, 1), [leave]) == date(2025, 7, 2)


def test_leave_across_29_february_in_a_leap_year_counts_that_day():
    leave = Period(LEAVE, date(2028, 2, 28), date(2028, 3, 1))
    assert training_days(date(2028, 2, 1), date(2028, 3, 2), [leave]) == 29 + 1 - 3
    assert training_days(date(2027, 2, 1), date(2027, 3, 2), [Period(LEAVE, date(2027, 2, 28), date(2027, 3, 1))]) == 28 + 1 - 2


def test_six_months_from_31_august_clamp_to_29_february_in_a_leap_year_and_stretch_from_there():
    assert advanced_training_reached_on(RULES, date(2027, 8, 31)) == date(2028, 2, 29)
    # reached on 29 February means complete at the end of 28 February: leave on the 29th is after it
    assert advanced_training_reached_on(RULES, date(2027, 8, 31), (Period(LEAVE, date(2028, 2, 29), date(2028, 2, 29)),)) == date(
        2028, 2, 29
    )
    leave = (Period(LEAVE, date(2028, 2, 28), date(2028, 2, 28)),)
    assert advanced_training_reached_on(RULES, date(2027, 8, 31), leave) == date(2028, 3, 1)


def test_periods_wholly_before_or_after_the_span_change_nothing():
    before = Period(LEAVE, date(2024, 1, 1), date(2024, 12, 31))
    after = ltft(50, date(2026, 1, 1))
    assert training_days(START, date(2025, 7, 1), [before, after]) == (date(2025, 7, 1) - START).days
    assert reached_on(START, date(2025, 7, 1), [before, after]) == date(2025, 7, 1)


def test_a_period_starting_partway_counts_from_its_first_day():
    periods = (ltft(50, date(2025, 4, 1)),)
    full = (date(2025, 4, 1) - START).days  # 90 whole-time days first
    assert training_days(START, date(2025, 4, 11), periods) == full + 5
    assert reached_on(START, START + timedelta(days=100), periods) == date(2025, 4, 1) + timedelta(days=20)


def test_an_open_ended_leave_or_oop_never_reaches_the_end_but_an_ended_one_does():
    assert reached_on(START, date(2025, 7, 1), [Period(OOP, date(2025, 3, 1))]) is None
    assert advanced_training_reached_on(RULES, START, (Period(LEAVE, date(2025, 3, 1)),)) is None
    ended = Period(OOP, date(2025, 3, 1), date(2025, 3, 31))
    assert reached_on(START, date(2025, 7, 1), [ended]) == date(2025, 7, 1) + timedelta(days=31)


def test_leave_inside_ltft_counts_nothing_and_oopt_counts_as_training():
    periods = [ltft(60), Period(LEAVE, date(2025, 2, 1), date(2025, 2, 10)), Period(OOPT, date(2025, 3, 1), date(2025, 3, 31))]
    assert day_share(date(2025, 1, 15), periods) == Fraction(3, 5)
    assert day_share(date(2025, 2, 5), periods) == 0
    assert day_share(date(2025, 3, 5), periods) == Fraction(3, 5)
    assert COUNTING[OOPT].share == 100 and COUNTING[LEAVE].share == 0
    assert all(rule.provenance.startswith("The programme's own rule") for rule in COUNTING.values())
    assert set(COUNTING) == set(KINDS)


@pytest.mark.parametrize("percent", [None, 0, 100, 120, -5])
def test_ltft_percent_out_of_range_is_refused(percent):
    assert period_problems(ltft(percent))


def test_end_before_start_is_refused_and_a_one_day_period_is_fine():
    assert period_problems(Period(LEAVE, date(2025, 3, 2), date(2025, 3, 1)))
    assert period_problems(Period(LEAVE, date(2025, 3, 2), date(2025, 3, 2))) == {}
    assert period_problems(Period(LEAVE, START, None, 50))  # only LTFT has a percentage


def test_overlapping_ltft_periods_are_refused_touching_ones_are_not():
    first = ltft(60, START, date(2025, 6, 30))
    assert clashes(ltft(80, date(2025, 6, 30)), [first])
    assert clashes(ltft(80, date(2025, 7, 1)), [first]) == []
    assert clashes(ltft(80, date(2024, 1, 1)), [first])  # open-ended, starting before
    assert clashes(Period(LEAVE, date(2025, 3, 1), date(2025, 3, 5)), [first]) == []  # leave within LTFT
    assert clashes(Period(OOP, date(2025, 3, 3)), [Period(LEAVE, date(2025, 3, 1), date(2025, 3, 5))])
    assert validate([first, ltft(50, date(2025, 3, 1), date(2025, 3, 31))])
    assert validate([first, ltft(50, date(2025, 7, 1))]) == []


def test_stage_trajectory_runs_over_training_time():
    stage = CURRICULUM.stage_for_level("higher")  # 12 weeks
    assert stage_ends_on(stage, START) == START + timedelta(weeks=12)
    half = (ltft(50),)
    assert stage_ends_on(stage, START, half) == START + timedelta(weeks=24)
    day = START + timedelta(weeks=6)
    assert expected_percent(stage, START, day) == 50.0
    assert expected_percent(stage, START, day, periods=half) == 25.0
    assert expected_percent(stage, START, day, periods=(Period(LEAVE, START),)) == 0.0  # open-ended leave


def test_soe_check_counts_training_time():
    sitting = Sitting("SOE", date(2025, 9, 1), date(2025, 5, 1), date(2025, 6, 1))
    history = ExamHistory.from_attempts([])
    full = RapmStatus(date(2025, 5, 1), True, date(2025, 1, 1))
    check = [
        c
        for c in eligibility(RULES, history, sitting, full, datetime(2025, 5, 2, tzinfo=UTC)).checks
        if c.rule == "soe_min_advanced_months"
    ]
    assert check[0].status == MET
    part_time = RapmStatus(date(2025, 5, 1), True, date(2025, 1, 1), (ltft(60),))
    checks = eligibility(RULES, history, sitting, part_time, datetime(2025, 5, 2, tzinfo=UTC)).checks
    check = next(c for c in checks if c.rule == "soe_min_advanced_months")
    assert check.status == NOT_MET and "training time" in check.reason and "30 October 2025" in check.reason


def _projection(periods=()):
    return project_fellowship(
        CURRICULUM,
        current_level="higher",
        stage_started_on=date(2025, 11, 1),
        current_percent=40.0,
        signed_off={},
        history=ExamHistory.from_attempts([]),
        sittings=[],
        rapm=None,
        today=date(2025, 12, 1),
        now=datetime(2025, 12, 1, 12, tzinfo=UTC),
        periods=periods,
    )


def test_projection_moves_later_with_ltft_and_says_so():
    plain, half = _projection(), _projection((ltft(50, date(2025, 12, 1)),))
    assert half.projected_on > plain.projected_on
    assert any("Less-than-full-time" in note for note in half.assumptions)
    assert not any("Less-than-full-time" in note for note in plain.assumptions)
    time_rule = [d for label, d in half.milestones if "training time" in label]
    assert time_rule and time_rule[0] > [d for label, d in plain.milestones if "training time" in label][0]


def test_projection_stops_during_an_open_ended_leave():
    projection = _projection((Period(LEAVE, date(2025, 12, 1)),))
    assert projection.projected_on is None and "open-ended" in projection.assumptions[0]


def test_absence_review_counts_leave_and_oop_in_the_last_12_months_and_quotes_its_source():
    today = date(2026, 6, 30)
    periods = [
        Period(LEAVE, date(2025, 6, 20), date(2025, 7, 2)),  # 2 days inside the 12 months (1 and 2 July 2025)
        Period(OOP, date(2026, 6, 20)),  # open-ended: 11 days to today
        Period(OOPT, date(2026, 1, 1), date(2026, 3, 31)),  # for training: not an absence
        ltft(50),
    ]
    assert absence_days(periods, today) == 13 and not absence_review_due(periods, today)
    assert absence_review_due([*periods, Period(LEAVE, date(2026, 1, 5), date(2026, 1, 6))], today)  # 15 days
    assert (
        ABSENCE_REVIEW.days == 14
        and "more than 14 days" in ABSENCE_REVIEW.words
        and ABSENCE_REVIEW.url.startswith("https://fpm.ac.uk")
    )


def test_absence_review_year_ending_on_29_february_starts_on_1_march():
    leave = [Period(LEAVE, date(2027, 2, 28), date(2027, 3, 1))]
    assert absence_days(leave, date(2028, 2, 27)) == 2  # from 28 February 2027
    assert absence_days(leave, date(2028, 2, 29)) == 1  # from 1 March 2027
    assert absence_days(leave, date(2028, 3, 1)) == 0  # from 2 March 2027


def test_an_soe_result_before_six_months_of_training_time_is_refused():
    from competencies.exam import Attempt, recording_problems

    mcq = Attempt("MCQ", date(2025, 3, 1), "pass")
    soe = Attempt("SOE", date(2025, 9, 1), "pass")
    full = RapmStatus(date(2025, 5, 1), True, date(2025, 1, 1))
    assert not any("training" in p for p in recording_problems(RULES, [mcq], soe, date(2025, 10, 1), full))
    half = RapmStatus(date(2025, 5, 1), True, date(2025, 1, 1), (ltft(50),))
    problems = recording_problems(RULES, [mcq], soe, date(2025, 10, 1), half)
    assert any(
        "6 months of advanced/SIA training time (less-than-full-time training and leave counted) are reached only on 29 December 2025"
        in p
        for p in problems
    )
