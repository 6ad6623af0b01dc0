"""Competency, domain and stage progress from evidence counts, and expected progress by date."""

from datetime import date, timedelta

import pytest

from competencies import (
    Competency,
    Curriculum,
    Domain,
    EvidenceCount,
    EvidenceRule,
    ExamRules,
    Stage,
    competency_progress,
    curriculum_progress,
    expected_percent,
    is_behind,
    stage_progress,
)

DOPS = EvidenceRule("wba.dops", 2, "2b", True)
CLINICS = EvidenceRule("logbook.clinic", 3, None, False)
CBD = EvidenceRule("wba.cbd", 1, None, True)


def competency(code, *rules, stage_key="one", domain_key="d1"):
    return Competency(code, code.title(), "Description.", ("diagnosis",), True, ("SRC",), tuple(rules), domain_key, stage_key)


def stage(key, *domains, min_weeks=4, max_weeks=12):
    return Stage(
        key, key.title(), "basic", 1, "CT1", "weeks", min_weeks, max_weeks, "compulsory", "Aim.", ("SRC",), tuple(domains)
    )


BLOCK = competency("BLOCK", DOPS, CLINICS)
TALK = competency("TALK", CBD)
OTHER = competency("OTHER", CBD, stage_key="two", domain_key="d2")
STAGE_ONE = stage("one", Domain("d1", "Domain 1", (BLOCK, TALK)))
STAGE_TWO = stage("two", Domain("d2", "Domain 2", (OTHER,)))
CURRICULUM = Curriculum(
    version="test",
    title="Test",
    kind="levels",
    description="",
    sources={},
    stages=(STAGE_ONE, STAGE_TWO),
    exam=ExamRules(True, 3, 6, 6, True, 6),
    fellowship=(),
)


def count(code, evidence_type, level, status, n=1):
    return EvidenceCount(code, evidence_type, level, status, n)


def block(*counts):
    """BLOCK's progress from counts that claim it, each (evidence type, supervision level, status, how many)."""
    return competency_progress(BLOCK, [count("BLOCK", *each) for each in counts])


def test_no_evidence_is_not_started_with_every_gap_listed():
    progress = block()
    assert progress.state == "not_started"
    assert progress.evidence_total == 0
    assert progress.missing == ("2 more DOPS at supervision level 2b or more, signed off", "3 more clinics")


def test_signed_counts_but_submitted_is_pending_when_signoff_required():
    progress = block(("wba.dops", "3", "signed"), ("wba.dops", "2b", "submitted", 2))
    dops = progress.rules[0]
    assert (dops.counted, dops.pending, dops.missing) == (1, 2, 1)
    assert progress.state == "in_progress"
    assert progress.missing[0] == "1 more DOPS at supervision level 2b or more, signed off"


def test_submitted_counts_when_no_signoff_is_required():
    progress = block(("logbook.clinic", None, "submitted", 3))
    clinics = progress.rules[1]
    assert (clinics.counted, clinics.pending, clinics.missing) == (3, 0, 0)


def test_draft_never_counts_but_starts_the_competency():
    progress = block(("wba.dops", "4", "draft", 5))
    assert all(rule.counted == 0 and rule.pending == 0 for rule in progress.rules)
    assert progress.state == "in_progress"
    assert progress.evidence_total == 5


def test_supervision_minimum_is_enforced():
    progress = block(("wba.dops", "2a", "signed", 4), ("wba.dops", None, "signed", 4), ("wba.dops", "1", "submitted", 4))
    assert (progress.rules[0].counted, progress.rules[0].pending) == (0, 0)
    progress = block(("wba.dops", "4", "signed", 2))
    assert progress.rules[0].missing == 0


def test_counts_of_other_types_or_competencies_are_ignored():
    progress = competency_progress(TALK, [count("TALK", "wba.cex", None, "signed"), count("BLOCK", "wba.cbd", None, "signed")])
    assert progress.rules[0].counted == 0
    assert progress.state == "in_progress"  # the A-CEX claims TALK, so work has begun
    assert progress.evidence_total == 1


def test_complete_when_every_rule_is_met():
    progress = block(
        ("wba.dops", "2b", "signed", 2), ("logbook.clinic", None, "signed", 1), ("logbook.clinic", "1", "submitted", 2)
    )
    assert progress.state == "complete" and progress.complete
    assert progress.missing == ()


def test_evidence_count_rejects_bad_values():
    with pytest.raises(ValueError):
        EvidenceCount("X", "wba.cbd", None, "returned", 1)
    with pytest.raises(ValueError):
        EvidenceCount("X", "wba.cbd", None, "signed", -1)


def test_stage_percent_counts_units_capped_per_rule():
    # 6 units required: DOPS 2 + clinics 3 + CBD 1. Surplus clinics must not hide the DOPS gap.
    progress = stage_progress(
        CURRICULUM, "one", [count("BLOCK", "logbook.clinic", None, "signed", 10), count("TALK", "wba.cbd", None, "signed")]
    )
    assert (progress.required_units, progress.satisfied_units) == (6, 4)
    assert progress.percent == 66.7
    assert (progress.total, progress.complete, progress.in_progress, progress.not_started) == (2, 1, 1, 0)
    assert not progress.ready_for_signoff
    assert progress.domains[0].complete == 1 and progress.domains[0].in_progress == 1
    assert progress.competency("TALK").complete


@pytest.mark.parametrize(
    "satisfied, required, percent",
    [
        (0, 3, 0.0),
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 8, 12.5),
        (3, 3, 100.0),
        (999, 1000, 99.9),
        (9999, 10000, 99.9),
        (1, 2000, 0.1),
    ],
)
def test_percent_rounds_half_up_to_one_decimal_and_never_shows_100_early(satisfied, required, percent):
    rule = EvidenceRule("reflection", required)
    item = competency("BIG", rule)
    big = stage("big", Domain("d", "D", (item,)))
    curriculum = Curriculum("t", "t", "levels", "", {}, (big,), CURRICULUM.exam, ())
    counts = [count("BIG", "reflection", None, "signed", satisfied)] if satisfied else []
    assert stage_progress(curriculum, "big", counts).percent == percent


def test_ready_for_signoff_when_every_competency_is_complete():
    counts = [
        count("BLOCK", "wba.dops", "3", "signed", 2),
        count("BLOCK", "logbook.clinic", None, "submitted", 3),
        count("TALK", "wba.cbd", "1", "signed", 1),
    ]
    progress = stage_progress(CURRICULUM, "one", counts)
    assert progress.ready_for_signoff and progress.percent == 100.0
    assert progress.complete == progress.total == 2


def test_curriculum_progress_covers_every_stage_and_ignores_unknown_codes():
    counts = [count("OTHER", "wba.cbd", None, "signed"), count("GONE_01", "wba.cbd", None, "signed")]
    progress = curriculum_progress(CURRICULUM, counts)
    assert list(progress) == ["one", "two"]
    assert progress["two"].ready_for_signoff
    assert progress["one"].not_started == 2 and progress["one"].percent == 0.0


def test_curriculum_progress_accepts_a_one_shot_iterator():
    counts = iter([count("OTHER", "wba.cbd", None, "signed")])
    assert curriculum_progress(CURRICULUM, counts)["two"].complete == 1


def test_unknown_stage_raises_key_error():
    with pytest.raises(KeyError):
        stage_progress(CURRICULUM, "nope", [])


# Expected progress ------------------------------------------------------------------------

START = date(2024, 8, 7)


@pytest.mark.parametrize(
    "today, expected",
    [
        (START - timedelta(days=30), 0.0),
        (START, 0.0),
        (START + timedelta(weeks=6), 50.0),
        (START + timedelta(weeks=12), 100.0),
        (START + timedelta(days=1000), 100.0),
    ],
)
def test_expected_percent_follows_max_weeks(today, expected):
    assert expected_percent(STAGE_ONE, START, today) == expected


def test_expected_percent_with_an_explicit_end():
    end = START + timedelta(days=10)
    assert expected_percent(STAGE_ONE, START, START + timedelta(days=3), end) == 30.0
    assert expected_percent(STAGE_ONE, START, end, end) == 100.0


def test_expected_percent_with_end_not_after_start():
    assert expected_percent(STAGE_ONE, START, START, START) == 0.0
    assert expected_percent(STAGE_ONE, START, START + timedelta(days=1), START) == 100.0


def test_expected_percent_falls_back_to_min_weeks_then_needs_an_end():
    open_ended = stage("open", min_weeks=10, max_weeks=None)
    assert expected_percent(open_ended, START, START + timedelta(weeks=5)) == 50.0
    lengthless = stage("none", min_weeks=None, max_weeks=None)
    with pytest.raises(ValueError):
        expected_percent(lengthless, START, START)
    assert expected_percent(lengthless, START, START + timedelta(days=5), START + timedelta(days=10)) == 50.0


@pytest.mark.parametrize(
    "actual, expected, behind",
    [(50.0, 60.0, False), (45.0, 60.0, False), (44.9, 60.0, True), (0.0, 0.0, False), (100.0, 100.0, False)],
)
def test_is_behind_uses_a_tolerance(actual, expected, behind):
    assert is_behind(actual, expected) is behind


def test_is_behind_custom_tolerance():
    assert is_behind(50.0, 60.0, tolerance=5.0)
    assert not is_behind(50.0, 60.0, tolerance=10.0)
