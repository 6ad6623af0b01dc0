"""ARCP readiness in the domain core: working days and cut-offs, reminder dates, the review period, the colours, and
the [arcp] section of a curriculum file."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competencies import load_curriculum_text, load_registry
from competencies.readiness import (
    AMBER,
    FOUR_WEEKS,
    GREEN,
    PENDING,
    RED,
    SIGNED,
    TWO_WEEKS,
    TWO_WORKING_DAYS,
    ArcpRules,
    Item,
    Requirement,
    assess,
    cutoff_date,
    due_step,
    is_working_day,
    reminder_dates,
    review_start,
    working_days_before,
)
from tests.core.helpers import FILE, curriculum_text, issues_of

CHRISTMAS_2026 = frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)})  # England: Boxing Day on Sat
SCOTLAND_2027 = frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 1, 4)})  # 2 January moved

MSF = Requirement("msf", "MSF", "wba.msf")
ESSR = Requirement("essr", "ESSR", "report.essr")
RULES = ArcpRules(requirements=(MSF, ESSR), just_before_days=7)
TODAY, CUTOFF, START = date(2027, 3, 1), date(2027, 4, 30), date(2026, 5, 1)


def ready(items, rules=RULES, today=TODAY):
    return assess(rules, "ST6", items, today=today, cutoff=CUTOFF, review_from=START)


def test_working_days_skip_weekends_and_bank_holidays():
    assert working_days_before(date(2026, 12, 7), 1) == date(2026, 12, 4)  # Monday -> Friday
    assert working_days_before(date(2027, 1, 5), 3, CHRISTMAS_2026) == date(2026, 12, 30)
    assert working_days_before(date(2027, 1, 5), 3, SCOTLAND_2027) == date(2026, 12, 29)
    with pytest.raises(ValueError):
        working_days_before(date(2027, 1, 5), 0)


def test_a_christmas_cutoff_differs_between_england_and_scotland():
    panel = date(2027, 1, 8)  # Friday
    assert cutoff_date(panel, 5, CHRISTMAS_2026) == date(2026, 12, 31)
    assert cutoff_date(panel, 5, SCOTLAND_2027) == date(2026, 12, 30)


def test_reminder_dates_are_four_and_two_weeks_and_two_working_days_before():
    dates = reminder_dates(date(2027, 1, 5), CHRISTMAS_2026)
    assert dates[FOUR_WEEKS] == date(2026, 12, 8)
    assert dates[TWO_WEEKS] == date(2026, 12, 22)
    assert dates[TWO_WORKING_DAYS] == date(2026, 12, 31)  # Mon 4 Jan -> Thu 31 Dec (1 Jan a holiday)


def test_the_step_due_is_the_latest_come_and_not_sent_and_none_after_the_cutoff():
    cutoff = date(2027, 1, 5)
    assert due_step(cutoff, date(2026, 12, 7), CHRISTMAS_2026) is None
    assert due_step(cutoff, date(2026, 12, 8), CHRISTMAS_2026) == FOUR_WEEKS
    assert due_step(cutoff, date(2026, 12, 9), CHRISTMAS_2026, [FOUR_WEEKS]) is None
    assert due_step(cutoff, date(2026, 12, 23), CHRISTMAS_2026, [FOUR_WEEKS]) == TWO_WEEKS  # a missed day: sent late
    assert due_step(cutoff, date(2027, 1, 5), CHRISTMAS_2026, [FOUR_WEEKS, TWO_WEEKS]) == TWO_WORKING_DAYS
    assert due_step(cutoff, date(2027, 1, 6), CHRISTMAS_2026) is None


def test_the_review_period_starts_after_the_previous_cutoff_or_a_year_before():
    assert review_start(date(2027, 4, 30), date(2026, 5, 1), 12) == date(2026, 5, 2)
    assert review_start(date(2027, 4, 30), None, 12) == date(2026, 5, 1)
    assert review_start(date(2028, 2, 29), None, 12) == date(2027, 3, 1)


def test_everything_signed_is_green():
    result = ready([Item("msf", SIGNED, date(2027, 1, 1)), Item("essr", SIGNED, date(2027, 2, 1))])
    assert result.colour == GREEN
    assert result.reasons == ("Everything the panel needs is signed.",)
    assert result.days_to_cutoff == (CUTOFF - TODAY).days


def test_a_missing_msf_is_red_with_its_reason():
    result = ready([Item("essr", SIGNED, date(2027, 2, 1))])
    assert result.colour == RED
    assert result.reasons == ("No MSF in the review period.",)


def test_all_in_but_a_signoff_pending_is_amber():
    result = ready([Item("msf", PENDING, date(2027, 2, 1), "My MSF", 7), Item("essr", SIGNED, date(2027, 2, 1))])
    assert result.colour == AMBER
    assert "waiting for a sign-off" in result.reasons[0]
    assert result.as_dict()["items"][0]["pending"][0]["ref"] == 7


def test_pace_decides_between_amber_just_before_and_red():
    cbds = Requirement("cbd", "CBDs", "wba.cbd", count=4)
    rules = ArcpRules(requirements=(cbds,), just_before_days=7)
    start = date(2027, 1, 1)
    two_in = [Item("cbd", SIGNED, date(2027, 1, 10)), Item("cbd", SIGNED, date(2027, 1, 20))]

    def at(today, cutoff):
        return assess(rules, "ST6", two_in, today=today, cutoff=cutoff, review_from=start)

    # 2 in over 31 days: 2 more take 31 days more.
    assert at(date(2027, 1, 31), date(2027, 6, 1)).colour == AMBER
    assert "expected by" in at(date(2027, 1, 31), date(2027, 6, 1)).reasons[0]
    assert "only just before" in at(date(2027, 1, 31), date(2027, 3, 5)).reasons[0]
    assert at(date(2027, 1, 31), date(2027, 2, 20)).colour == RED


def test_requirements_apply_to_their_years():
    st6 = Requirement("mtr", "MTR", "report.mtr", years=("ST6",))
    rules = ArcpRules(requirements=(st6,))
    assert rules.for_year("ST6") == (st6,)
    assert rules.for_year("ST5") == ()
    assert assess(rules, "ST5", [], today=TODAY, cutoff=CUTOFF, review_from=START).colour == GREEN


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
holiday_sets = st.frozensets(st.dates(min_value=date(2019, 10, 1), max_value=date(2035, 12, 31)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(days, st.integers(min_value=1, max_value=60), holiday_sets)
def test_a_cutoff_is_never_a_weekend_or_holiday_and_has_exactly_n_working_days_to_the_panel(panel, n, holidays):
    cutoff = cutoff_date(panel, n, holidays)
    assert cutoff < panel
    assert is_working_day(cutoff, holidays)
    between = [cutoff + timedelta(days=i) for i in range(1, (panel - cutoff).days)]
    assert sum(is_working_day(d, holidays) for d in between) == n - 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["msf", "essr"]), min_size=2, max_size=8).filter(lambda k: {"msf", "essr"} <= set(k)), days)
def test_all_signed_is_always_green(keys, today):
    items = [Item(key, SIGNED, today) for key in keys]
    assert ready(items, today=today).colour == GREEN


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["msf", "essr"]), st.sampled_from([SIGNED, PENDING])), max_size=6))
def test_the_colour_is_the_worst_of_the_requirements_and_a_missing_single_item_is_red(pairs):
    result = ready([Item(k, s, TODAY) for k, s in pairs])
    present = {k for k, _ in pairs}
    if present != {"msf", "essr"}:
        assert result.colour == RED
    elif all(s == SIGNED for _, s in pairs) or all(any(k == key and s == SIGNED for k, s in pairs) for key in present):
        assert result.colour == GREEN
    else:
        assert result.colour == AMBER


# --- the [arcp] section -------------------------------------------------------------------------

ARCP = """
[arcp]
just_before_days = 5

[[arcp.requirements]]
key = "msf"
label = "MSF"
what = "wba.msf"
count = {count}
years = {years}
basis = "{basis}"
sources = {sources}
quote = "{quote}"
"""


def arcp_text(count=1, years='["ST6"]', basis="suggestion", sources="[]", quote="", extra=""):
    return curriculum_text() + ARCP.format(count=count, years=years, basis=basis, sources=sources, quote=quote) + extra


def test_the_arcp_section_loads_with_its_provenance():
    text = arcp_text(count=2, basis="national", sources='["SRC"]', quote="at least 2 MSFs a year")
    rules = load_curriculum_text(text, FILE).arcp
    assert rules.just_before_days == 5
    assert rules.requirements[0].origin == 'National rule [SRC]: "at least 2 MSFs a year"'


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        (dict(basis="national", sources='["SRC"]', quote="some MSFs", count=2), "does not state the minimum 2"),
        (dict(basis="national"), "names its source"),
        (dict(sources='["SRC"]'), "a programme suggestion has no published source"),
        (dict(years='["Year 6"]'), "must look like ST6"),
        (dict(count=0), "must be at least 1"),
    ],
)
def test_the_loader_refuses_bad_requirements(kwargs, problem):
    reasons = [i.reason for i in issues_of(arcp_text(**kwargs)) if i.path.startswith("arcp")]
    assert any(problem in r for r in reasons), reasons


def test_a_stage_requirement_names_a_stage_its_curriculum_closes_that_way():
    text = curriculum_text() + '\n[arcp]\n[[arcp.requirements]]\nkey = "h"\nlabel = "HALO"\nwhat = "halo"\nbasis = "suggestion"\n'
    reasons = [i.reason for i in issues_of(text)]
    assert any("closes its stages by 'stage_signoff'" in r for r in reasons)
    assert any("names the stage it closes" in r for r in reasons)
    text = (
        curriculum_text() + '\n[arcp]\n[[arcp.requirements]]\nkey = "h"\nlabel = "X"\nwhat = "wba.nope"\nbasis = "suggestion"\n'
    )
    assert any("must be an evidence type" in i.reason for i in issues_of(text))


def test_the_shipped_curricula_say_what_a_panel_needs():
    registry = load_registry()
    st6 = {r.key for r in registry.get("2021").arcp.for_year("ST6")}
    assert {"essr", "mtr-st6", "msf-st6"} <= st6
    assert all(r.basis == "suggestion" for r in registry.get("2010").arcp.requirements)
    assert registry.get("2021").arcp.review_months_without_previous_panel == 12
