"""Sitting windows: the exam eligibility rules worked out once per record as bounds on a sitting's dates agree with
sitting_eligibility for every record, rule set and sitting."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from competencies.curriculum import ExamRules
from competencies.exam import (
    FPM_STATUSES,
    PARTS,
    ExamHistory,
    PartRecord,
    Prerequisites,
    RapmStatus,
    Sitting,
    SittingWindow,
    add_years,
    advanced_training_reached_on,
    eligible_within,
    sitting_eligibility,
    sitting_windows,
)
from competencies.training_time import Period

START = date(2018, 1, 1)
days = st.integers(min_value=0, max_value=2500).map(lambda n: START + timedelta(days=n))
maybe_day = st.one_of(st.none(), days)
early = st.integers(min_value=0, max_value=500).map(lambda n: START + timedelta(days=n))  # long before most sittings

rules_strategy = st.builds(
    ExamRules,
    mcq_before_soe=st.booleans(),
    mcq_validity_years=st.integers(1, 4),
    max_attempts_per_part=st.one_of(st.integers(4, 7), st.integers(1, 7)),
    extra_training_from_attempt=st.integers(1, 8),
    soe_requires_rapm_confirmation=st.booleans(),
    soe_min_advanced_months=st.integers(0, 12),
    fpm_membership_weeks_before_closing=st.one_of(st.none(), st.integers(0, 10)),
    requires_gmc_registration=st.booleans(),
    requires_fpm_membership=st.booleans(),
)
part_record = st.builds(PartRecord, attempts=st.integers(0, 8), passed_on=maybe_day)
history_strategy = st.builds(
    ExamHistory,
    mcq=st.one_of(st.builds(PartRecord, attempts=st.integers(1, 3), passed_on=days), part_record),
    soe=st.one_of(st.builds(PartRecord, attempts=st.integers(0, 3)), part_record),
)


@st.composite
def periods(draw):
    """None, or one LTFT or leave period (sometimes open-ended) around the start of advanced training."""
    if draw(st.booleans()):
        return ()
    starts = draw(days)
    ends = draw(st.one_of(st.none(), st.integers(0, 400).map(lambda n: starts + timedelta(days=n))))
    if draw(st.booleans()):
        return (Period("ltft", starts, ends, draw(st.sampled_from([50, 60, 80]))),)
    return (Period("leave", starts, ends),)


rapm_strategy = st.one_of(
    st.none(),
    st.builds(RapmStatus, confirmed_on=days, stage3_pain_complete=st.just(True), advanced_training_started_on=early),
    st.builds(
        RapmStatus, confirmed_on=days, stage3_pain_complete=st.booleans(), advanced_training_started_on=days, periods=periods()
    ),
)


@st.composite
def prerequisites(draw):
    """A statement as the form records one: an application date once applied, a membership date (or none) as a
    member, good standing only as a member."""
    status = draw(st.sampled_from(FPM_STATUSES))
    return Prerequisites(
        gmc_registered_on=draw(maybe_day),
        fpm_status=status,
        fpm_applied_on=None if status == "none" else draw(days if status == "applied" else maybe_day),
        fpm_member_since=draw(maybe_day) if status == "member" else None,
        good_standing=status == "member" and draw(st.booleans()),
        confirmed_on=draw(maybe_day),
    )


# Mostly records that can pass every check, so that the bounds themselves are what the examples test.
good_prerequisites = st.builds(
    Prerequisites,
    gmc_registered_on=st.one_of(early, days),
    fpm_status=st.just("member"),
    fpm_applied_on=st.one_of(early, maybe_day),
    fpm_member_since=st.one_of(early, days),
    good_standing=st.just(True),
)
prerequisites_strategy = st.one_of(good_prerequisites, good_prerequisites, st.just(Prerequisites()), prerequisites())


def _near(*anchors):
    """Days on and either side of each date the rules turn on, where an off-by-one would show."""
    return [d + timedelta(days=k) for d in anchors if d is not None and START < d < date(2040, 1, 1) for k in (-1, 0, 1)]


def _turning_days(rules, history, rapm, prerequisites):
    """(sitting days, closing days) the rules compare with: the pass, its expiry, the SIA months reached, the
    prerequisites' dates and the membership deadline's."""
    passed = history.mcq.passed_on
    expires = add_years(passed, rules.mcq_validity_years) if passed else None
    reached = advanced_training_reached_on(rules, rapm.advanced_training_started_on, rapm.periods) if rapm else None
    weeks = timedelta(weeks=rules.fpm_membership_weeks_before_closing or 0)
    p = prerequisites
    member, applied = p.fpm_member_since, p.fpm_applied_on
    closing = (p.gmc_registered_on, member, applied, member and member + weeks, applied and applied + weeks)
    return _near(passed, expires, reached), _near(*closing)


@st.composite
def fit_records(draw):
    """A record that meets every check but the dates': early prerequisites, few attempts, an MCQ pass, a confirmed
    start of advanced training, so that the examples test the bounds themselves."""
    rules = draw(rules_strategy.map(lambda r: replace(r, max_attempts_per_part=max(r.max_attempts_per_part, 4))))
    history = ExamHistory(
        PartRecord(draw(st.integers(1, 3)), draw(st.one_of(st.none(), days))), PartRecord(draw(st.integers(0, 3)))
    )
    rapm = RapmStatus(draw(days), True, draw(early), draw(periods()))
    applied = draw(early)
    prerequisites = Prerequisites(draw(early), "member", applied, applied + timedelta(days=draw(st.integers(0, 90))), True)
    return rules, history, rapm, prerequisites


any_records = st.tuples(rules_strategy, history_strategy, rapm_strategy, prerequisites_strategy)


@settings(max_examples=600, deadline=None)
@given(st.one_of(fit_records(), any_records), st.sampled_from(PARTS), st.data())
def test_a_window_admits_exactly_the_sittings_the_rules_allow(record, part, data):
    rules, history, rapm, prerequisites = record
    sitting_days, closing_days = _turning_days(rules, history, rapm, prerequisites)
    # Mostly the very days the rules turn on, where an off-by-one or a wrong bound would show.
    sits_on = data.draw(st.sampled_from(sitting_days) if sitting_days and data.draw(st.integers(0, 3)) else days)
    before = st.integers(0, 120).map(lambda n: sits_on - timedelta(days=n))
    closes_on = data.draw(st.sampled_from(closing_days) if closing_days and data.draw(st.integers(0, 3)) else before)
    sitting = Sitting(part, sits_on, min(closes_on, sits_on) - timedelta(days=30), closes_on)
    window = sitting_windows(rules, history, rapm, prerequisites)[part]
    now = datetime(2024, 6, 1, tzinfo=UTC)  # the moment only names the application window's state
    expected = sitting_eligibility(rules, history, sitting, rapm, now, prerequisites)
    event("eligible" if expected.eligible else "not eligible")
    assert eligible_within(window, sitting.sits_on, sitting.closes_on) == expected.eligible
    assert window.attempt_number == expected.attempt_number
    assert window.needs_extra_training == expected.needs_extra_training


def test_a_window_reads_the_same_from_columns_as_from_values():
    """The rule builds a query condition from the same words: given column-like objects it combines what they return."""
    window = SittingWindow(open=True, sits_from=date(2024, 1, 1), sits_until=date(2025, 1, 1), closes_from=date(2023, 1, 1))
    assert eligible_within(window, date(2024, 6, 1), date(2024, 4, 1))
    assert not eligible_within(window, date(2025, 1, 1), date(2024, 4, 1))  # the pass has expired by then
    assert not eligible_within(window, date(2024, 6, 1), date(2022, 12, 31))  # prerequisites not met by closing
    found = eligible_within(window, date(2024, 6, 1), date(2024, 4, 1), both=lambda *c: ("and", c), either=lambda *c: ("or", c))
    assert found[0] == "and" and found[1][3][0] == "or"
