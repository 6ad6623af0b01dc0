"""The HALO (Holistic Assessment of Learning Outcomes) that closes a stage of a "stages" (2021) curriculum, and how
a stage counts as complete under each kind of curriculum.

In the 2021 curriculum each stage's Pain Medicine domain, and the SIA, ends with a HALO the trainee asks for with
chosen evidence; the Faculty Tutor (Pain) or the Regional Advisor in Pain Medicine signs it [S1; S2; S3; HALO in
domain.md]. The evidence counts on the stage page are guidance for that request, not the decision: a 2021 stage is
complete when its HALO is signed. A "levels" (2010) stage keeps its own rule: its evidence counts make it ready and
the educational supervisor's end-of-stage sign-off closes it.

    requested ──sign──▶ signed
        │ │
        │ └──return (with a reason)──▶ returned
        └──withdraw (by the trainee)──▶ withdrawn

A returned or withdrawn request stays on record; the trainee may ask again. One request per trainee and stage is
open (requested) at a time: the programme's own rule, so a decision is never made on a stale duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass

from .curriculum import Curriculum
from .progress import StageProgress

REQUESTED, SIGNED, RETURNED, WITHDRAWN = "requested", "signed", "returned", "withdrawn"
STATUSES = (REQUESTED, SIGNED, RETURNED, WITHDRAWN)
OPEN = (REQUESTED,)
# Who signs a Pain HALO [S1; S2; S3]: the roles the app's policy checks, with their region scope.
SIGNING_ROLES = ("faculty_tutor", "rapm")
MIN_EVIDENCE = 1  # the programme's own rule: a request names at least one piece of evidence


def closes_by_halo(curriculum: Curriculum) -> bool:
    """A "stages" (2021) curriculum closes each stage, the SIA included, by its HALO."""
    return curriculum.kind == "stages"


def may_decide(status: str) -> bool:
    return status in OPEN


def may_withdraw(status: str) -> bool:
    return status in OPEN


def may_request(statuses_of_stage: list[str] | tuple[str, ...]) -> bool:
    """Whether a new request may be made for a stage, given the statuses of its earlier requests: none open, none
    signed (a signed HALO closes the stage for good)."""
    return not any(s in OPEN or s == SIGNED for s in statuses_of_stage)


@dataclass(frozen=True)
class StageOutcome:
    """What the progress read model keeps of a stage: whether someone may now close it by an end-of-stage sign-off
    (2010 only), and whether it is closed."""

    ready_for_signoff: bool
    complete: bool


def stage_outcome(
    curriculum: Curriculum, progress: StageProgress, *, halo_signed: bool, signed_off: bool, closed_before_move: bool = False
) -> StageOutcome:
    """2021: complete exactly when the stage's HALO is signed, whatever the counts say, and never offered for the
    educational supervisor's sign-off. 2010: the counts make it ready, the supervisor's sign-off completes it.
    `closed_before_move`: the stage this one maps from was closed on the curriculum the trainee moved from (a 2010
    stage signed off before the move to 2021); a move keeps that credit, so the stage is complete without a HALO."""
    if closes_by_halo(curriculum):
        return StageOutcome(ready_for_signoff=False, complete=halo_signed or closed_before_move)
    return StageOutcome(ready_for_signoff=progress.ready_for_signoff, complete=signed_off)
