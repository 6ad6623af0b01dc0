"""A 2021 ("stages") stage is complete exactly when its HALO is signed, whatever the counts; a 2010 ("levels") stage
keeps its rules: the counts make it ready, the educational supervisor's sign-off completes it."""

import pytest

from competencies import EvidenceCount, halo, load_registry, stage_progress

REGISTRY = load_registry()
C2010, C2021 = REGISTRY.get("2010"), REGISTRY.get("2021")


def _all_met(curriculum, stage):
    """Counts meeting every rule of the stage, signed, at the highest supervision level."""
    return [
        EvidenceCount(c.code, rule.evidence_type, "4", "signed", rule.minimum) for c in stage.competencies for rule in c.evidence
    ]


@pytest.mark.parametrize("stage", C2021.stages, ids=lambda s: s.key)  # every stage key, the SIA included
@pytest.mark.parametrize("counts_met", [True, False])
def test_2021_stage_is_complete_only_when_its_halo_is_signed(stage, counts_met):
    progress = stage_progress(C2021, stage.key, _all_met(C2021, stage) if counts_met else [])
    assert progress.ready_for_signoff is counts_met  # the counts stay guidance on the page
    signed = halo.stage_outcome(C2021, progress, halo_signed=True, signed_off=False)
    unsigned = halo.stage_outcome(C2021, progress, halo_signed=False, signed_off=True)
    assert signed.complete and not unsigned.complete
    assert not signed.ready_for_signoff and not unsigned.ready_for_signoff  # no supervisor's stage sign-off in 2021
    carried = halo.stage_outcome(C2021, progress, halo_signed=False, signed_off=False, closed_before_move=True)
    assert carried.complete and not carried.ready_for_signoff  # its 2010 counterpart was signed off before a move


@pytest.mark.parametrize("stage", C2010.stages, ids=lambda s: s.key)
def test_2010_stage_keeps_counts_and_the_supervisors_sign_off(stage):
    met = stage_progress(C2010, stage.key, _all_met(C2010, stage))
    short = stage_progress(C2010, stage.key, [])
    assert halo.stage_outcome(C2010, met, halo_signed=False, signed_off=False) == halo.StageOutcome(True, False)
    assert halo.stage_outcome(C2010, short, halo_signed=False, signed_off=False) == halo.StageOutcome(False, False)
    assert halo.stage_outcome(C2010, met, halo_signed=False, signed_off=True).complete
    assert not halo.stage_outcome(C2010, short, halo_signed=True, signed_off=False).complete  # a HALO means nothing here


def test_only_stages_curricula_close_by_halo():
    assert halo.closes_by_halo(C2021) and not halo.closes_by_halo(C2010)


@pytest.mark.parametrize(
    ("earlier", "allowed"),
    [
        ((), True),
        (("returned",), True),
        (("withdrawn", "returned"), True),
        (("requested",), False),  # one open request per trainee and stage
        (("returned", "requested"), False),
        (("signed",), False),  # a signed HALO closes the stage for good
    ],
)
def test_a_new_request_only_when_none_is_open_or_signed(earlier, allowed):
    assert halo.may_request(earlier) is allowed


@pytest.mark.parametrize("status", halo.STATUSES)
def test_only_an_open_request_is_decided_or_withdrawn(status):
    assert halo.may_decide(status) is (status == "requested")
    assert halo.may_withdraw(status) is (status == "requested")
