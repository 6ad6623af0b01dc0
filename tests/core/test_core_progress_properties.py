"""Properties of progress over the shipped curricula, for arbitrary evidence counts."""

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from competencies import (
    EVIDENCE_STATUSES,
    EVIDENCE_TYPES,
    SUPERVISION_LEVELS,
    EvidenceCount,
    EvidenceRule,
    ExtraRule,
    competency_progress,
    curriculum_progress,
    drafts_leave_shares,
    expected_percent,
    load_registry,
    stage_percent_series,
    stage_progress,
    stage_share,
)

REGISTRY = load_registry()
CURRICULA = [REGISTRY.get(version) for version in REGISTRY.versions()]
STATE_RANK = {"not_started": 0, "in_progress": 1, "complete": 2}


def counts_for(curriculum, max_size=40):
    # Bias towards the types and levels the curriculum actually asks for, so that
    # competencies do get completed, but keep some noise (unknown codes, other types).
    codes = [c.code for c in curriculum.competencies] + ["UNKNOWN_01"]
    rule_types = sorted({r.evidence_type for c in curriculum.competencies for r in c.evidence})
    item = st.builds(
        EvidenceCount,
        competency_code=st.sampled_from(codes),
        evidence_type=st.one_of(st.sampled_from(rule_types), st.sampled_from(list(EVIDENCE_TYPES))),
        supervision_level=st.one_of(st.none(), st.sampled_from(list(SUPERVISION_LEVELS))),
        status=st.sampled_from(EVIDENCE_STATUSES),
        count=st.integers(min_value=0, max_value=12),
    )
    return st.lists(item, max_size=max_size)


curriculum_and_counts = st.sampled_from(CURRICULA).flatmap(lambda c: st.tuples(st.just(c), counts_for(c)))


def snapshot(curriculum, counts):
    progress = curriculum_progress(curriculum, counts)
    percents = {key: p.percent for key, p in progress.items()}
    states = {cp.competency.code: cp.state for p in progress.values() for cp in p.competencies}
    return percents, states


@settings(max_examples=150, deadline=None)
@given(curriculum_and_counts)
def test_percent_is_between_0_and_100_and_units_are_consistent(data):
    curriculum, counts = data
    for progress in curriculum_progress(curriculum, counts).values():
        assert 0.0 <= progress.percent <= 100.0
        assert round(progress.percent, 1) == progress.percent
        assert 0 <= progress.satisfied_units <= progress.required_units
        assert progress.complete + progress.in_progress + progress.not_started == progress.total
        assert progress.ready_for_signoff == (progress.complete == progress.total)
        assert progress.ready_for_signoff == (progress.percent == 100.0)


@settings(max_examples=150, deadline=None)
@given(curriculum_and_counts)
def test_complete_iff_nothing_missing(data):
    curriculum, counts = data
    for progress in curriculum_progress(curriculum, counts).values():
        for item in progress.competencies:
            assert item.complete == (item.missing == ())
            assert len(item.missing) == sum(1 for r in item.rules if r.missing)
            for rule in item.rules:
                assert rule.missing == max(0, rule.rule.minimum - rule.counted)
                assert rule.pending >= 0
                if not rule.rule.signoff_required:
                    assert rule.pending == 0


def assert_progress_never_lower(curriculum, before, after):
    """No percent and no competency's state is lower with the `after` counts than with the `before` ones."""
    before_percent, before_state = snapshot(curriculum, before)
    after_percent, after_state = snapshot(curriculum, after)
    for key in before_percent:
        assert after_percent[key] >= before_percent[key]
    for code in before_state:
        assert STATE_RANK[after_state[code]] >= STATE_RANK[before_state[code]]


@settings(max_examples=150, deadline=None)
@given(curriculum_and_counts, st.data())
def test_adding_evidence_never_lowers_percent_or_state(data, draw):
    curriculum, counts = data
    extra = draw.draw(counts_for(curriculum, max_size=5))
    assert_progress_never_lower(curriculum, counts, counts + extra)


@settings(max_examples=100, deadline=None)
@given(curriculum_and_counts, st.randoms())
def test_signing_evidence_never_lowers_progress(data, rnd):
    curriculum, counts = data
    # Promote some items one step along draft -> submitted -> signed.
    promote = {"draft": "submitted", "submitted": "signed", "signed": "signed"}
    promoted = [
        EvidenceCount(
            c.competency_code,
            c.evidence_type,
            c.supervision_level,
            promote[c.status] if rnd.random() < 0.5 else c.status,
            c.count,
        )
        for c in counts
    ]
    assert_progress_never_lower(curriculum, counts, promoted)


@settings(max_examples=60, deadline=None)
@given(curriculum_and_counts, st.randoms())
def test_order_of_counts_does_not_matter(data, rnd):
    curriculum, counts = data
    shuffled = list(counts)
    rnd.shuffle(shuffled)
    assert snapshot(curriculum, counts) == snapshot(curriculum, shuffled)


@settings(max_examples=60, deadline=None)
@given(curriculum_and_counts)
def test_stage_progress_agrees_with_curriculum_progress(data):
    curriculum, counts = data
    stage = random.Random(len(counts)).choice(curriculum.stages)
    everything = curriculum_progress(curriculum, counts, sia_choice=stage.key)
    single = stage_progress(curriculum, stage.key, counts)
    assert single == everything[stage.key]
    for item in single.competencies:
        own = [c for c in counts if c.competency_code == item.competency.code]
        assert competency_progress(item.competency, own) == item


def stage_and_small_counts(largest: int = 3, most: int = 30):
    """A stage and a few counts of one to three items claiming its competencies with its rules' types (below most
    minimums, so each count shows in the percent), plus some claiming other codes. `largest` and `most`: the largest
    count and the most counts drawn."""

    def counts(curriculum, stage):
        codes = [c.code for c in stage.competencies] + ["UNKNOWN_01"]
        types = sorted({r.evidence_type for c in stage.competencies for r in c.evidence})
        item = st.builds(
            EvidenceCount,
            competency_code=st.sampled_from(codes),
            evidence_type=st.sampled_from(types),
            supervision_level=st.sampled_from(["4", "3", None]),
            status=st.sampled_from(EVIDENCE_STATUSES),
            count=st.integers(min_value=1, max_value=largest),
        )
        return st.tuples(st.just(curriculum), st.just(stage), st.lists(item, max_size=most))

    return st.sampled_from([(c, s) for c in CURRICULA for s in c.stages]).flatmap(lambda pair: counts(*pair))


def _series_equals_stage_progress(curriculum, stage, counts, draw, most_cuts: int) -> None:
    """Cut the counts into steps (some empty) and compare the series with stage_progress on the counts up to each."""
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(counts)), max_size=most_cuts)))
    bounds = [0, *cuts, len(counts)]
    steps = [counts[a:b] for a, b in zip(bounds, bounds[1:])]
    # A region's rule on one of the stage's competencies, sometimes (a local rule replaces a suggestion of its type).
    extra = draw.draw(st.sampled_from([(), (ExtraRule(stage.competencies[0].code, EvidenceRule("logbook.clinic", 2)),)]))
    expected = [stage_progress(curriculum, stage.key, counts[:b], extra).percent for b in bounds[1:]]
    assert stage_percent_series(curriculum, stage.key, steps, extra) == expected


@settings(max_examples=80, deadline=None)
@given(stage_and_small_counts(), st.data())
def test_a_percent_series_equals_stage_progress_on_the_counts_so_far(data, draw):
    """The trajectory's series: after each step, the percent stage_progress gives for every count up to that step
    (steps may be empty, repeat a count's key or claim codes of other stages)."""
    curriculum, stage, counts = data
    counts = counts + counts[::-1]  # every key comes back (a second entry like an earlier one)
    _series_equals_stage_progress(curriculum, stage, counts, draw, most_cuts=8)


@settings(max_examples=80, deadline=None)
@given(stage_and_small_counts(largest=12, most=80), st.data())
def test_a_percent_series_equals_stage_progress_where_competencies_fill_up(data, draw):
    """The same with counts large enough to satisfy every unit of many competencies part-way through (the series
    stops judging a competency once it is full): after each step, still stage_progress's percent."""
    curriculum, stage, counts = data
    _series_equals_stage_progress(curriculum, stage, counts, draw, most_cuts=12)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([s for c in CURRICULA for s in c.stages]),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    st.integers(min_value=-400, max_value=2000),
    st.integers(min_value=0, max_value=400),
)
def test_expected_percent_is_bounded_and_monotone(stage, start, offset, step):
    today = start + timedelta(days=offset)
    later = today + timedelta(days=step)
    now, then = expected_percent(stage, start, today), expected_percent(stage, start, later)
    assert 0.0 <= now <= then <= 100.0
    if offset <= 0:
        assert now == 0.0
    weeks = stage.max_weeks or stage.min_weeks
    if offset >= weeks * 7:
        assert now == 100.0


def _summary(progress):
    """A StageProgress as a summary row keeps it."""
    return (progress.percent, progress.total, progress.complete, progress.in_progress, progress.ready_for_signoff)


def one_more_item(curriculum):
    """An item that moves some rule of a competency: a type its rules ask for, signed, at any level."""
    asked = [(c.code, r.evidence_type) for c in curriculum.competencies for r in c.evidence]
    return st.builds(
        lambda pair, level, status, n: EvidenceCount(pair[0], pair[1], level, status, n),
        st.sampled_from(asked),
        st.one_of(st.none(), st.sampled_from(list(SUPERVISION_LEVELS))),
        st.sampled_from(EVIDENCE_STATUSES),
        st.integers(min_value=1, max_value=3),
    )


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CURRICULA).flatmap(lambda c: st.tuples(st.just(c), counts_for(c), one_more_item(c))))
def test_a_stage_changes_only_when_some_competencys_share_changes(data):
    """What lets an evidence write skip a stage: when one more item leaves every competency's share as it was, the
    stage's result is as it was."""
    curriculum, before, added = data
    after = [*before, added]
    for stage in curriculum.stages:
        unchanged = all(
            stage_share(competency_progress(c, before)) == stage_share(competency_progress(c, after)) for c in stage.competencies
        )
        if unchanged:
            assert _summary(stage_progress(curriculum, stage.key, before)) == _summary(
                stage_progress(curriculum, stage.key, after)
            )


def a_draft_change(curriculum):
    """A change to the count of drafts under one key (competency, type, level), up or down by 1 to 3."""
    asked = [(c.code, r.evidence_type) for c in curriculum.competencies for r in c.evidence]
    return st.tuples(
        st.sampled_from(asked),
        st.one_of(st.none(), st.sampled_from(list(SUPERVISION_LEVELS))),
        st.sampled_from([-3, -2, -1, 1, 2, 3]),
    )


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CURRICULA).flatmap(lambda c: st.tuples(st.just(c), counts_for(c), a_draft_change(c))))
def test_drafts_a_competency_already_held_under_their_key_leave_every_share_and_stage(data):
    """What lets logging a draft skip every stage (progress.record_change): when drafts_leave_shares says so, no
    competency's share and no stage's result moved; and it never says so of a key that held no draft before or after."""
    curriculum, before, ((code, kind), level, change) = data
    key = (code, kind, level, "draft")
    held_before = sum(c.count for c in before if (c.competency_code, c.evidence_type, c.supervision_level, c.status) == key)
    if held_before + change < 0:
        change = -held_before
    held_after = held_before + change
    others = [c for c in before if (c.competency_code, c.evidence_type, c.supervision_level, c.status) != key]
    start = [*others, EvidenceCount(code, kind, level, "draft", held_before)]
    end = [*others, EvidenceCount(code, kind, level, "draft", held_after)]
    verdict = drafts_leave_shares([("draft", change, held_after)])
    assert verdict == (change != 0 and held_before >= 1 and held_after >= 1)
    if verdict:
        for stage in curriculum.stages:
            for c in stage.competencies:
                assert stage_share(competency_progress(c, start)) == stage_share(competency_progress(c, end))
            assert _summary(stage_progress(curriculum, stage.key, start)) == _summary(stage_progress(curriculum, stage.key, end))


def test_drafts_leave_shares_only_for_drafts_already_held():
    assert drafts_leave_shares([("draft", 1, 2), ("draft", -1, 1)])
    assert not drafts_leave_shares([("draft", 1, 1)])  # the competency's first draft of its kind: it may now start
    assert not drafts_leave_shares([("draft", -1, 0)])  # its last: it may no longer be started
    assert not drafts_leave_shares([("submitted", 1, 5)])  # a submitted item may count towards a rule
    assert not drafts_leave_shares([("signed", 1, 5)])
    assert not drafts_leave_shares([])
