"""The evidence lifecycle: statuses, the moves between them and what each status allows."""

import pytest

from competencies import EVIDENCE_STATUSES, lifecycle
from competencies.lifecycle import DRAFT, RETURNED, SIGNED, STATUSES, SUBMITTED


def test_the_four_statuses():
    assert STATUSES == ("draft", "submitted", "signed", "returned")


@pytest.mark.parametrize(
    "source, target",
    [
        (DRAFT, SUBMITTED),
        (RETURNED, SUBMITTED),
        (SUBMITTED, DRAFT),
        (SUBMITTED, SIGNED),
        (SUBMITTED, RETURNED),
        (SIGNED, RETURNED),
    ],
)
def test_allowed_moves(source, target):
    assert lifecycle.can_move(source, target)


def test_every_other_move_is_refused():
    allowed = {(s, t.target) for t in lifecycle.TRANSITIONS.values() for s in t.sources}
    assert len(allowed) == 6  # the sixth: a signature given in person voided by its supervisor
    for source in STATUSES:
        for target in STATUSES:
            assert lifecycle.can_move(source, target) is ((source, target) in allowed)
    assert not lifecycle.can_move(SIGNED, DRAFT)  # signed content changes only by a new version
    assert not lifecycle.can_move(DRAFT, SIGNED)  # nothing is signed without being submitted


def test_transitions_are_named_and_stay_inside_the_statuses():
    assert set(lifecycle.TRANSITIONS) == {"submit", "withdraw", "sign", "return", "disown"}
    for transition in lifecycle.TRANSITIONS.values():
        assert transition.target in STATUSES
        assert set(transition.sources) <= set(STATUSES)
        assert transition.target not in transition.sources


@pytest.mark.parametrize(
    "status, edit, submit, revise, delete, review",
    [
        (DRAFT, True, True, False, True, False),
        (SUBMITTED, True, False, False, False, True),
        (SIGNED, False, False, True, False, False),
        (RETURNED, True, True, False, False, False),
    ],
)
def test_what_each_status_allows(status, edit, submit, revise, delete, review):
    assert lifecycle.may_edit(status) is edit
    assert lifecycle.may_submit(status) is submit
    assert lifecycle.may_revise(status) is revise
    assert lifecycle.may_delete(status) is delete
    assert lifecycle.in_review(status) is review


@pytest.mark.parametrize("status", STATUSES)
def test_a_superseded_version_allows_nothing(status):
    assert not lifecycle.may_edit(status, current=False)
    assert not lifecycle.may_submit(status, current=False)
    assert not lifecycle.may_revise(status, current=False)
    assert not lifecycle.may_delete(status, current=False)
    assert not lifecycle.in_review(status, current=False)


def test_only_a_first_version_draft_may_be_deleted():
    assert lifecycle.may_delete(DRAFT, first_version=True)
    assert not lifecycle.may_delete(DRAFT, first_version=False)


def test_only_evidence_in_review_can_await_an_assessor_confirmation():
    assert [s for s in STATUSES if lifecycle.may_await_confirmation(s)] == [SUBMITTED]


def test_each_status_counts_towards_progress_as_a_progress_status():
    assert {s: lifecycle.progress_status(s) for s in STATUSES} == {
        DRAFT: "draft",
        SUBMITTED: "submitted",
        SIGNED: "signed",
        RETURNED: "draft",  # a returned item no longer counts towards anything
    }
    assert set(lifecycle.PROGRESS_STATUS.values()) == set(EVIDENCE_STATUSES)
