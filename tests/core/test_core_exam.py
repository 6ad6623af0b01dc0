"""FFPMRCA exam rules at their edges: MCQ validity, attempt limits, MCQ before SOE, the RAPM confirmation
and six months of advanced/SIA training, application windows in UK time."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competencies import ExamRules, load_registry
from competencies.exam import (
    MET,
    NEEDS_EVIDENCE,
    NOT_APPLICABLE,
    NOT_MET,
    Attempt,
    ExamHistory,
    PartRecord,
    RapmStatus,
    Sitting,
    add_months,
    advanced_training_reached_on,
    attempt_number,
    mcq_expires_on,
    mcq_valid_on,
    recording_problems,
    sitting_eligibility,
    upcoming_eligibility,
)

RULES = load_registry().get("2021").exam
NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)
MCQ_PASS = date(2025, 3, 3)


def soe(on: date) -> Sitting:
    return Sitting("SOE", on, on - timedelta(days=120), on - timedelta(days=90))


def mcq(on: date) -> Sitting:
    return Sitting("MCQ", on, on - timedelta(days=120), on - timedelta(days=90))


def check(result, rule):
    return next(c for c in result.checks if c.rule == rule)


CONFIRMED = RapmStatus(date(2025, 9, 1), True, date(2025, 8, 1))


def test_rules_are_read_from_the_curriculum_with_sources():
    result = sitting_eligibility(RULES, ExamHistory(PartRecord(1, MCQ_PASS)), soe(date(2026, 5, 1)), CONFIRMED, NOW)
    assert result.eligible
    for c in result.checks:
        assert c.status in (MET, NOT_APPLICABLE, NEEDS_EVIDENCE)
        if c.status != NOT_APPLICABLE:
            assert c.sources == ("EH-ELIG",)


def test_mcq_pass_expires_three_years_from_the_sitting():
    assert mcq_expires_on(RULES, MCQ_PASS) == date(2028, 3, 3)
    assert mcq_valid_on(RULES, MCQ_PASS, date(2028, 3, 2))
    assert not mcq_valid_on(RULES, MCQ_PASS, date(2028, 3, 3))
    assert not mcq_valid_on(RULES, MCQ_PASS, date(2025, 3, 2))  # not before the sitting itself
    assert not mcq_valid_on(RULES, None, date(2026, 1, 1))


def test_leap_day_pass_expires_on_the_last_day_of_february():
    assert mcq_expires_on(RULES, date(2024, 2, 29)) == date(2027, 2, 28)


def test_soe_on_the_day_the_mcq_pass_expires_is_refused_and_the_day_before_allowed():
    history = ExamHistory(PartRecord(1, MCQ_PASS))
    on_expiry = sitting_eligibility(RULES, history, soe(date(2028, 3, 3)), CONFIRMED, NOW)
    assert check(on_expiry, "mcq_validity_years").status == NOT_MET
    assert "retake the MCQ" in check(on_expiry, "mcq_validity_years").reason
    assert not on_expiry.eligible
    day_before = sitting_eligibility(RULES, history, soe(date(2028, 3, 2)), CONFIRMED, NOW)
    assert check(day_before, "mcq_validity_years").status == MET and day_before.eligible


def test_mcq_sitting_is_not_needed_while_the_pass_is_valid_but_is_after_expiry():
    history = ExamHistory(PartRecord(1, MCQ_PASS))
    still_valid = sitting_eligibility(RULES, history, mcq(date(2028, 3, 2)), None, NOW)
    assert not still_valid.eligible and not still_valid.needed
    retake = sitting_eligibility(RULES, history, mcq(date(2028, 3, 3)), None, NOW)
    assert retake.eligible and retake.needed and "must be retaken" in check(retake, "mcq_validity_years").reason


def test_soe_needs_an_mcq_pass_first():
    result = sitting_eligibility(RULES, ExamHistory(PartRecord(2, None)), soe(date(2026, 5, 1)), CONFIRMED, NOW)
    assert check(result, "mcq_before_soe").status == NOT_MET and not result.eligible
    same_day = sitting_eligibility(RULES, ExamHistory(PartRecord(1, date(2026, 5, 1))), soe(date(2026, 5, 1)), CONFIRMED, NOW)
    assert check(same_day, "mcq_before_soe").status == NOT_MET


def test_mcq_before_soe_can_be_switched_off_by_the_curriculum():
    rules = ExamRules(False, 3, 6, 6, True, 6)
    result = sitting_eligibility(rules, ExamHistory(), soe(date(2026, 5, 1)), CONFIRMED, NOW)
    assert check(result, "mcq_before_soe").status == NOT_APPLICABLE


@pytest.mark.parametrize(
    "used,status,eligible",
    [(0, NOT_APPLICABLE, True), (4, NOT_APPLICABLE, True), (5, NEEDS_EVIDENCE, True), (6, NOT_APPLICABLE, False)],
)
def test_six_attempts_per_part_and_the_sixth_needs_extra_training(used, status, eligible):
    result = sitting_eligibility(RULES, ExamHistory(PartRecord(used, None)), mcq(date(2026, 5, 1)), None, NOW)
    assert result.attempt_number == used + 1
    assert check(result, "extra_training_from_attempt").status == status
    assert result.eligible is eligible
    assert result.needs_extra_training is (status == NEEDS_EVIDENCE)
    assert check(result, "max_attempts_per_part").status == (MET if eligible else NOT_MET)


def test_soe_attempts_are_limited_separately():
    history = ExamHistory(PartRecord(6, MCQ_PASS), PartRecord(6, None))
    assert not sitting_eligibility(RULES, history, soe(date(2026, 5, 1)), CONFIRMED, NOW).eligible
    history = ExamHistory(PartRecord(6, MCQ_PASS), PartRecord(2, None))
    assert sitting_eligibility(RULES, history, soe(date(2026, 5, 1)), CONFIRMED, NOW).eligible


def test_soe_needs_the_rapm_confirmation_that_stage_3_pain_is_complete():
    history = ExamHistory(PartRecord(1, MCQ_PASS))
    missing = sitting_eligibility(RULES, history, soe(date(2026, 5, 1)), None, NOW)
    assert check(missing, "soe_requires_rapm_confirmation").status == NOT_MET and not missing.eligible
    incomplete = RapmStatus(date(2025, 9, 1), False, date(2025, 8, 1))
    result = sitting_eligibility(RULES, history, soe(date(2026, 5, 1)), incomplete, NOW)
    assert check(result, "soe_requires_rapm_confirmation").status == NOT_MET


def test_six_months_of_advanced_training_by_the_sitting_and_six_months_minus_a_day_fails():
    history = ExamHistory(PartRecord(1, MCQ_PASS))
    started = date(2025, 11, 1)
    assert advanced_training_reached_on(RULES, started) == date(2026, 5, 1)
    rapm = RapmStatus(date(2025, 12, 1), True, started)
    exact = sitting_eligibility(RULES, history, soe(date(2026, 5, 1)), rapm, NOW)
    assert check(exact, "soe_min_advanced_months").status == MET and exact.eligible
    short = sitting_eligibility(RULES, history, soe(date(2026, 4, 30)), rapm, NOW)
    assert check(short, "soe_min_advanced_months").status == NOT_MET and not short.eligible
    assert "1 May 2026" in check(short, "soe_min_advanced_months").reason


def test_six_months_from_the_end_of_august_is_the_end_of_february():
    assert advanced_training_reached_on(RULES, date(2025, 8, 31)) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


def test_passed_soe_closes_the_exam():
    history = ExamHistory(PartRecord(1, MCQ_PASS), PartRecord(1, date(2025, 10, 1)))
    result = sitting_eligibility(RULES, history, soe(date(2026, 5, 1)), CONFIRMED, NOW)
    assert not result.eligible and "complete" in result.checks[0].reason


def test_application_window_opens_at_nine_and_closes_at_five_uk_time():
    sitting = Sitting("MCQ", date(2026, 9, 1), date(2026, 6, 1), date(2026, 7, 1))
    # British Summer Time: 09:00 UK is 08:00 UTC.
    assert sitting.window_state(datetime(2026, 6, 1, 7, 59, tzinfo=UTC)) == "not_open"
    assert sitting.window_state(datetime(2026, 6, 1, 8, 0, tzinfo=UTC)) == "open"
    assert sitting.window_state(datetime(2026, 7, 1, 15, 59)) == "open"  # naive = UTC
    assert sitting.window_state(datetime(2026, 7, 1, 16, 0, tzinfo=UTC)) == "closed"
    winter = Sitting("MCQ", date(2027, 3, 1), date(2026, 12, 1), date(2027, 1, 5))
    assert winter.window_state(datetime(2027, 1, 5, 16, 59, tzinfo=UTC)) == "open"
    assert winter.window_state(datetime(2027, 1, 5, 17, 0, tzinfo=UTC)) == "closed"


def test_upcoming_lists_sittings_still_open_for_applications_soonest_first():
    sittings = [mcq(date(2026, 9, 1)), mcq(date(2025, 9, 1)), soe(date(2026, 5, 1))]
    result = upcoming_eligibility(RULES, ExamHistory(), sittings, None, NOW)
    assert [r.sitting.sits_on for r in result] == [date(2026, 5, 1), date(2026, 9, 1)]
    assert [r.eligible for r in result] == [False, True]


def test_sitting_rejects_bad_parts_and_windows():
    with pytest.raises(ValueError):
        Sitting("OSCE", date(2026, 1, 1), date(2025, 1, 1), date(2025, 2, 1))
    with pytest.raises(ValueError):
        Sitting("MCQ", date(2026, 1, 1), date(2025, 3, 1), date(2025, 2, 1))


def _attempts(results: str, part: str = "MCQ", start: date = date(2020, 3, 1)) -> list[Attempt]:
    return [Attempt(part, add_months(start, 6 * i), "pass" if r == "P" else "fail") for i, r in enumerate(results)]


def test_recording_refuses_a_future_sitting_and_a_duplicate():
    today = date(2026, 1, 10)
    assert "not taken place" in recording_problems(RULES, [], Attempt("MCQ", date(2026, 1, 11), "fail"), today)[0]
    assert recording_problems(RULES, [], Attempt("MCQ", today, "fail"), today) == []
    done = _attempts("F")
    assert any("already recorded" in p for p in recording_problems(RULES, done, done[0], today))


def test_every_refusal_names_its_rule_and_source():
    today = date(2030, 1, 1)
    problems = recording_problems(RULES, _attempts("F"), Attempt("SOE", date(2021, 5, 1), "fail"), today)
    assert problems and all(p.startswith("Refused: ") and p.endswith("]") for p in problems)
    assert any("(MCQ before SOE) [EH-ELIG]" in p for p in problems)
    assert any("RAPM" in p and p.endswith("[EH-ELIG]") for p in problems)


def test_recording_a_sixth_attempt_needs_extra_training_and_a_seventh_is_refused():
    today = date(2030, 1, 1)
    five = _attempts("FFFFF")
    sixth = Attempt("MCQ", date(2022, 9, 1), "fail")
    assert attempt_number(five, "MCQ", sixth.sits_on) == 6
    refused = recording_problems(RULES, five, sixth, today)
    assert refused == [
        "Refused: attempt 6 at the MCQ needs the additional educational training completed before it, described with the "
        "result (attempt 6 needs evidence of extra educational training) [EH-ELIG]"
    ]
    assert recording_problems(RULES, five, Attempt("MCQ", date(2022, 9, 1), "fail", extra_training=True), today) == []
    six = five + [Attempt("MCQ", date(2022, 9, 1), "fail", extra_training=True)]
    seventh = Attempt("MCQ", date(2023, 3, 1), "pass", extra_training=True)
    assert recording_problems(RULES, six, seventh, today) == [
        "Refused: the MCQ of 1 March 2023 would be attempt 7 (at most 6 attempts per part) [EH-ELIG]"
    ]


def test_an_attempt_slotted_in_before_six_others_makes_the_last_one_a_seventh():
    today = date(2030, 1, 1)
    six = _attempts("FFFFF") + [Attempt("MCQ", date(2022, 9, 1), "fail", extra_training=True)]
    problems = recording_problems(RULES, six, Attempt("MCQ", date(2019, 9, 1), "fail"), today)
    assert any("attempt 7" in p and "later MCQ result of 1 September 2022" in p for p in problems)


SOE_RAPM = RapmStatus(date(2023, 1, 1), True, date(2022, 6, 1))


def test_soe_needs_an_mcq_pass_valid_on_the_sitting_date_expiring_on_the_third_anniversary():
    today = date(2030, 1, 1)
    passed = [Attempt("MCQ", date(2022, 3, 1), "pass")]
    assert recording_problems(RULES, passed, Attempt("SOE", date(2025, 2, 28), "fail"), today, SOE_RAPM) == []
    refused = recording_problems(RULES, passed, Attempt("SOE", date(2025, 3, 1), "pass"), today, SOE_RAPM)
    assert refused == [
        "Refused: the SOE needs an MCQ pass valid on the sitting date; the pass of 1 March 2022 expired on 1 March 2025, "
        "before 1 March 2025 (MCQ pass valid 3 years) [EH-ELIG]"
    ]


def test_an_mcq_pass_on_29_february_lasts_until_the_first_of_march_three_years_on():
    today = date(2030, 1, 1)
    leap = [Attempt("MCQ", date(2024, 2, 29), "pass")]
    assert mcq_expires_on(RULES, date(2024, 2, 29)) == date(2027, 2, 28)
    assert recording_problems(RULES, leap, Attempt("SOE", date(2027, 2, 27), "pass"), today, SOE_RAPM) == []
    assert recording_problems(RULES, leap, Attempt("SOE", date(2027, 2, 28), "pass"), today, SOE_RAPM)
    assert recording_problems(RULES, leap, Attempt("MCQ", date(2027, 2, 27), "pass"), today)
    assert recording_problems(RULES, leap, Attempt("MCQ", date(2027, 2, 28), "pass"), today) == []


def test_soe_needs_the_rapm_confirmation_before_the_sitting_and_six_months_of_sia():
    today = date(2030, 1, 1)
    passed = [Attempt("MCQ", date(2022, 3, 1), "pass")]
    sitting = Attempt("SOE", date(2023, 1, 1), "fail")
    assert any("no Regional Advisor (RAPM) confirmation" in p for p in recording_problems(RULES, passed, sitting, today))
    assert recording_problems(RULES, passed, sitting, today, SOE_RAPM) == []
    late = RapmStatus(date(2023, 1, 2), True, date(2022, 6, 1))
    assert any("came after the SOE" in p for p in recording_problems(RULES, passed, sitting, today, late))
    short = RapmStatus(date(2022, 12, 1), True, date(2022, 7, 2))
    assert any("reached only on 2 January 2023" in p for p in recording_problems(RULES, passed, sitting, today, short))


def test_no_results_after_an_soe_pass_and_no_pass_slotted_in_before_later_attempts():
    today = date(2030, 1, 1)
    history = _attempts("P") + [Attempt("SOE", date(2020, 10, 1), "pass")]
    early = RapmStatus(date(2020, 9, 1), True, date(2020, 1, 1))
    refused = recording_problems(RULES, history, Attempt("SOE", date(2021, 5, 1), "fail"), today, early)
    assert refused == [
        "Refused: the SOE was passed on 1 October 2020, before the sitting of 1 May 2021 "
        "(no results after a pass) [the programme's own rule]"
    ]
    assert recording_problems(RULES, history, Attempt("MCQ", date(2021, 5, 1), "fail"), today)
    fails = _attempts("FF")  # MCQ fails in March and September 2020
    problems = recording_problems(RULES, fails, Attempt("MCQ", date(2019, 9, 1), "pass"), today)
    assert any("later MCQ result of 1 March 2020 wrong" in p for p in problems)


def test_recording_another_mcq_while_the_pass_is_valid_is_refused():
    today = date(2030, 1, 1)
    passed = _attempts("P")
    assert recording_problems(RULES, passed, Attempt("MCQ", date(2023, 2, 28), "pass"), today)
    assert recording_problems(RULES, passed, Attempt("MCQ", date(2023, 3, 1), "pass"), today) == []


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2015, 1, 1), date(2035, 12, 31)), offset=st.integers(-400, 400))
def test_advanced_time_rule_is_exactly_the_six_month_boundary(start, offset):
    reached = advanced_training_reached_on(RULES, start)
    rapm = RapmStatus(start, True, start)
    sitting = soe(reached + timedelta(days=offset))
    result = sitting_eligibility(RULES, ExamHistory(PartRecord(1, sitting.sits_on - timedelta(days=30))), sitting, rapm, NOW)
    assert (check(result, "soe_min_advanced_months").status == MET) is (offset >= 0)
    assert reached > start + timedelta(days=180) - timedelta(days=3)


@settings(max_examples=200, deadline=None)
@given(passed=st.dates(date(2015, 1, 1), date(2035, 12, 31)), offset=st.integers(0, 2000))
def test_mcq_pass_is_valid_for_less_than_three_years_and_more_than_three_minus_a_week(passed, offset):
    day = passed + timedelta(days=offset)
    assert mcq_valid_on(RULES, passed, day) is (day < mcq_expires_on(RULES, passed))
    assert 365 * 3 <= (mcq_expires_on(RULES, passed) - passed).days <= 365 * 3 + 1


@settings(max_examples=150, deadline=None)
@given(results=st.lists(st.sampled_from("PF"), max_size=8))
def test_history_counts_every_attempt_and_keeps_the_latest_pass(results):
    attempts = _attempts("".join(results))
    history = ExamHistory.from_attempts(attempts)
    assert history.mcq.attempts == len(results) and history.soe.attempts == 0
    passes = [a.sits_on for a in attempts if a.result == "pass"]
    assert history.mcq.passed_on == (max(passes) if passes else None)


def test_membership_deadline_is_six_weeks_before_the_closing_date_from_the_curriculum():
    from competencies.exam import membership_deadline

    sitting = Sitting("MCQ", date(2028, 5, 20), date(2028, 3, 1), date(2028, 4, 11))
    assert RULES.fpm_membership_weeks_before_closing == 6
    assert RULES.sources_for("fpm_membership_weeks_before_closing") == ("EH-ELIG",)
    assert membership_deadline(RULES, sitting) == date(2028, 2, 29)


@pytest.mark.parametrize(
    "applied_on,status", [(date(2028, 2, 28), MET), (date(2028, 2, 29), MET), (date(2028, 3, 1), NOT_MET), (None, NOT_MET)]
)
def test_membership_application_counts_up_to_and_including_the_deadline(applied_on, status):
    from competencies.exam import Prerequisites

    sitting = Sitting("MCQ", date(2028, 5, 20), date(2028, 3, 1), date(2028, 4, 11))
    p = Prerequisites(date(2010, 8, 1), "applied" if applied_on else "none", applied_on)
    result = sitting_eligibility(RULES, ExamHistory(), sitting, None, NOW, p)
    assert check(result, "fpm_membership_weeks_before_closing").status == status
    assert "by 29 February 2028" in check(result, "fpm_membership_weeks_before_closing").title
    assert check(result, "requires_gmc_registration").status == MET
    assert check(result, "requires_fpm_membership").status == NOT_MET and not result.eligible


def test_member_in_good_standing_with_gmc_registration_meets_every_prerequisite():
    from competencies.exam import Prerequisites

    sitting = mcq(date(2026, 5, 1))
    member = Prerequisites(date(2010, 8, 1), "member", date(2019, 1, 1), date(2019, 2, 1), True, date(2026, 1, 2))
    result = sitting_eligibility(RULES, ExamHistory(), sitting, None, NOW, member)
    assert result.eligible
    assert {c.rule for c in result.checks} >= {
        "requires_gmc_registration",
        "requires_fpm_membership",
        "fpm_membership_weeks_before_closing",
    }
    lapsed = Prerequisites(date(2010, 8, 1), "member", date(2019, 1, 1), date(2019, 2, 1), False)
    assert (
        check(sitting_eligibility(RULES, ExamHistory(), sitting, None, NOW, lapsed), "requires_fpm_membership").status == NOT_MET
    )
    unregistered = Prerequisites(None, "member", date(2019, 1, 1), date(2019, 2, 1), True)
    assert not sitting_eligibility(RULES, ExamHistory(), sitting, None, NOW, unregistered).eligible
    assert (
        "not yet confirmed"
        in check(sitting_eligibility(RULES, ExamHistory(), sitting, None, NOW, lapsed), "requires_gmc_registration").reason
    )
    with pytest.raises(ValueError):
        Prerequisites(fpm_status="pending")


def test_a_curriculum_without_the_prerequisite_rules_checks_none_and_weeks_must_be_positive():
    from competencies import load_curriculum_text
    from competencies.exam import Prerequisites
    from tests.core.helpers import FILE, curriculum_text, issues_of

    bare = load_curriculum_text(curriculum_text(), FILE).exam
    assert bare.fpm_membership_weeks_before_closing is None and not bare.requires_fpm_membership
    result = sitting_eligibility(bare, ExamHistory(), mcq(date(2026, 5, 1)), None, NOW, Prerequisites())
    assert not {c.rule for c in result.checks} & {"requires_gmc_registration", "requires_fpm_membership"}
    text = curriculum_text().replace(
        "soe_min_advanced_months = 6\n", "soe_min_advanced_months = 6\nfpm_membership_weeks_before_closing = 0\n", 1
    )
    assert any(i.path == "exam.fpm_membership_weeks_before_closing" for i in issues_of(text))
