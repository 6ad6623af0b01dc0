"""Moves between curriculum versions: the mapping's credit, its edges and the dates a move may take effect on."""

from datetime import date

import pytest

from competencies import EvidenceCount, VersionMapping, load_registry, stage_progress
from competencies.transition import (
    DAYS_AHEAD,
    TransitionError,
    carried_percents,
    check_date,
    credit_map,
    credited_counts,
    entry_codes,
    mapping_for,
    side_by_side,
    stage_after_move,
    stage_pair_for,
)

REGISTRY = load_registry()
OLD, NEW = REGISTRY.get("2010"), REGISTRY.get("2021")
MAPPING = REGISTRY.mapping("2010", "2021")
MAPPINGS = {(m.from_version, m.to_version): m for m in REGISTRY.mappings()}


def count(code, kind="wba.cbd", level="3", status="signed", n=1):
    return EvidenceCount(code, kind, level, status, n)


def test_one_old_code_counts_towards_every_mapped_new_code_keeping_type_level_and_status():
    credited = credited_counts(MAPPING, [count("PM_AS_01", "wba.cex", "2b", "submitted", 2)])
    assert sorted(credited, key=lambda c: c.competency_code) == [
        count("SIA_PM_A", "wba.cex", "2b", "submitted", 2),
        count("SIA_PM_B", "wba.cex", "2b", "submitted", 2),
    ]


def test_unmapped_old_codes_give_no_credit():
    assert MAPPING.competencies_for("PM_AK_01") == ()
    assert credited_counts(MAPPING, [count("PM_AK_01"), count("NOT_A_CODE")]) == []


def test_one_entry_claiming_two_old_codes_of_one_new_code_counts_once():
    # PM_BK_07 and PM_BK_08 both map to S1_PM_02; PM_BK_08 also maps to S1_PM_04.
    credit = credit_map(MAPPINGS.values())
    assert entry_codes(["PM_BK_07", "PM_BK_08"], credit) == ("PM_BK_07", "S1_PM_02", "PM_BK_08", "S1_PM_04")
    # Per-code totals cannot see entries: the aggregate form counts the same entry twice, which is why the app
    # counts entries through entry_codes.
    aggregated = credited_counts(MAPPING, [count("PM_BK_07"), count("PM_BK_08")])
    assert sum(c.count for c in aggregated if c.competency_code == "S1_PM_02") == 2


def test_an_entry_already_on_a_new_code_is_not_counted_twice_through_the_mapping():
    assert entry_codes(["PM_BK_07", "S1_PM_02"], credit_map([MAPPING])) == ("PM_BK_07", "S1_PM_02")


def test_credit_follows_a_chain_of_mappings_to_its_end():
    later = VersionMapping("2021", "2030", (("stage-1", "one"),), (("S1_PM_02", "N_01"), ("S1_PM_02", "N_02")), ())
    credit = credit_map([MAPPING, later])
    assert credit["PM_BK_07"] == ("S1_PM_02", "N_01", "N_02")
    assert credit["S1_PM_02"] == ("N_01", "N_02")


def test_a_cycle_in_mappings_ends():
    there = VersionMapping("a", "b", (), (("A1", "B1"),), ())
    back = VersionMapping("b", "a", (), (("B1", "A1"),), ())
    assert credit_map([there, back]) == {"A1": ("B1",), "B1": ("A1",)}


def test_no_mapping_for_the_pair_is_a_clear_error():
    with pytest.raises(TransitionError, match="no mapping from the 2021 to the 2010 curriculum"):
        mapping_for(MAPPINGS, "2021", "2010")
    with pytest.raises(TransitionError, match="already follows the 2010"):
        mapping_for(MAPPINGS, "2010", "2010")
    assert mapping_for(MAPPINGS, "2010", "2021") is MAPPING


def test_each_2010_stage_lands_on_its_mapped_2021_stage():
    landed = {level: stage_after_move(MAPPING, OLD, NEW, level).key for level in ("basic", "intermediate", "higher", "advanced")}
    assert landed == {"basic": "stage-1", "intermediate": "stage-2", "higher": "stage-3", "advanced": "sia-pain"}


def test_a_stage_the_mapping_leaves_out_is_refused():
    partial = VersionMapping("2010", "2021", (("basic", "stage-1"),), (), ())
    with pytest.raises(TransitionError, match="Advanced"):
        stage_after_move(partial, OLD, NEW, "advanced")


@pytest.mark.parametrize(
    "effective_on, ok",
    [
        (date(2024, 8, 6), False),  # the day before the programme started
        (date(2024, 8, 7), True),  # the programme's first day
        (date(2028, 2, 29), True),  # today, a leap day
        (date(2028, 5, 31), True),  # the last day allowed ahead (92 days after 29 February)
        (date(2028, 6, 1), False),
    ],
)
def test_a_move_takes_effect_between_the_programme_start_and_the_bound_ahead(effective_on, ok):
    assert DAYS_AHEAD.value == 92 and DAYS_AHEAD.provenance.startswith("The programme's own")
    if ok:
        check_date(effective_on, date(2024, 8, 7), today=date(2028, 2, 29))
    else:
        with pytest.raises(TransitionError):
            check_date(effective_on, date(2024, 8, 7), today=date(2028, 2, 29))


def test_a_move_cannot_take_effect_before_the_last_move():
    with pytest.raises(TransitionError, match="last move") as refused:
        check_date(date(2026, 1, 1), date(2024, 8, 7), date(2026, 6, 1), previous=date(2026, 2, 1))
    assert refused.value.about == "date"
    check_date(date(2026, 2, 1), date(2024, 8, 7), date(2026, 6, 1), previous=date(2026, 2, 1))


def _complete(stage_key):
    """Every rule of an old stage met exactly, at level 4, signed."""
    return [
        count(c.code, rule.evidence_type, "4", "signed", rule.minimum)
        for c in OLD.stage(stage_key).competencies
        for rule in c.evidence
    ]


def test_complete_2010_advanced_evidence_gives_credit_on_the_sia_and_carries_its_percent():
    own = _complete("advanced")
    credit = credit_map([MAPPING])
    counts = own + [
        count(new, c.evidence_type, c.supervision_level, c.status, c.count)
        for c in own
        for new in credit.get(c.competency_code, ())
    ]
    sia = stage_progress(NEW, "sia-pain", counts)
    assert 0 < sia.percent < 100  # the mapping covers part of the SIA's rules
    assert sia.competency("SIA_PM_J").state == "not_started"  # no 2010 competency maps to it
    assert carried_percents(MAPPING, OLD, counts)["sia-pain"] == 100.0


def test_side_by_side_lists_each_old_competency_with_its_evidence_and_new_codes():
    pairs = side_by_side(MAPPING, OLD, NEW, [count("PM_AS_01", n=2), count("PM_AS_01", status="submitted"), count("PM_AK_01")])
    assert [(p.old.key, p.new.key) for p in pairs] == [
        ("basic", "stage-1"),
        ("intermediate", "stage-2"),
        ("higher", "stage-3"),
        ("advanced", "sia-pain"),
    ]
    advanced = stage_pair_for(pairs, "sia-pain")
    rows = {r.competency.code: r for r in advanced.rows}
    assert (rows["PM_AS_01"].signed, rows["PM_AS_01"].awaiting) == (2, 1)
    assert [c.code for c in rows["PM_AS_01"].counts_toward] == ["SIA_PM_A", "SIA_PM_B"]
    assert rows["PM_AS_01"].carried
    assert not rows["PM_AK_01"].carried and rows["PM_AK_01"].counts_toward == ()  # evidence, but nothing to count toward
    assert stage_pair_for(pairs, "nowhere") is None


def test_the_behind_flag_reads_the_greater_of_the_new_and_the_carried_percent():
    from competencies.transition import trajectory_percent

    assert trajectory_percent(64.6, None) == 64.6
    assert trajectory_percent(64.6, 100.0) == 100.0
    assert trajectory_percent(80.0, 20.0) == 80.0  # credit beyond the old stage is never taken away
