"""The evidence lifecycle: the statuses an evidence entry passes through, the moves between them, and what may be
done to an entry in each status. Who may do it is the app's access policy; this module says only what the entry's
state allows.

    draft ──submit──▶ submitted ──sign──▶ signed ──(a new version: the old one is superseded)
      ▲                 │   │
      └───withdraw──────┘   └──return──▶ returned ──submit──▶ submitted

Only the current version of an entry ever changes: a superseded version is kept as it was signed.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, SUBMITTED, SIGNED, RETURNED = "draft", "submitted", "signed", "returned"
STATUSES = (DRAFT, SUBMITTED, SIGNED, RETURNED)


@dataclass(frozen=True)
class Transition:
    """One move of the lifecycle: from any of `sources` to `target`."""

    name: str
    sources: tuple[str, ...]
    target: str

    def allows(self, status: str) -> bool:
        return status in self.sources


# The owner asks for sign-off (again, after a return).
SUBMIT = Transition("submit", (DRAFT, RETURNED), SUBMITTED)
# The owner withdraws the request, or edits evidence awaiting sign-off (the edit withdraws it first).
WITHDRAW = Transition("withdraw", (SUBMITTED,), DRAFT)
# A signature that counts: a supervisor's, a trusted-domain assessor's, or an assessor's once confirmed.
SIGN = Transition("sign", (SUBMITTED,), SIGNED)
# The signer returns it with a reason, or the educational supervisor declines an assessor's signature.
RETURN = Transition("return", (SUBMITTED,), RETURNED)

# A supervisor voids a signature given in person in their name that was not theirs: back to the owner.
DISOWN = Transition("disown", (SIGNED,), RETURNED)

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (SUBMIT, WITHDRAW, SIGN, RETURN, DISOWN)}

# Signed content never changes in place: it changes only by a new version.
EDITABLE = (DRAFT, RETURNED, SUBMITTED)

# How each status counts towards progress (competencies.progress.EVIDENCE_STATUSES): a returned item no longer
# counts towards anything, so it counts as a draft.
PROGRESS_STATUS: dict[str, str] = {SIGNED: SIGNED, SUBMITTED: SUBMITTED, DRAFT: DRAFT, RETURNED: DRAFT}


def can_move(source: str, target: str) -> bool:
    """Whether some transition takes an entry from `source` to `target`."""
    return any(t.allows(source) and t.target == target for t in TRANSITIONS.values())


def may_edit(status: str, *, current: bool = True) -> bool:
    """The content may change in place (an outside assessor's signature awaiting confirmation also holds it still:
    see `may_await_confirmation`)."""
    return current and status in EDITABLE


def may_submit(status: str, *, current: bool = True) -> bool:
    """Sign-off may be requested."""
    return current and SUBMIT.allows(status)


def may_revise(status: str, *, current: bool = True) -> bool:
    """A new version may replace it (signed evidence changes only this way)."""
    return current and status == SIGNED


def may_delete(status: str, *, current: bool = True, first_version: bool = True) -> bool:
    """Only a first-version draft may go: a later version replaced signed evidence, whose void signatures must stay
    explained."""
    return current and first_version and status == DRAFT


def in_review(status: str, *, current: bool = True) -> bool:
    """Waiting for a decision: a signer may sign or return it, and an outside assessor's signature on it may be
    confirmed or declined."""
    return current and status == SUBMITTED


def may_await_confirmation(status: str) -> bool:
    """Whether an entry in `status` can carry an outside assessor's signature that nobody has vouched for yet (such a
    signature leaves it submitted); while it does, it must not change under them."""
    return status == SUBMITTED


def progress_status(status: str) -> str:
    """The status under which an entry in `status` counts towards progress."""
    return PROGRESS_STATUS[status]
