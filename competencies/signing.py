"""Rules for signing away from the portal's own sign-in: a supervisor's in-person sign-off PIN, the wrong PINs
allowed before in-person signing locks, and how often an outside assessor's link may be sent again.

No published FPM or RCoA source sets any of these numbers: each is the programme's own suggestion
(provenance.SUGGESTION), shown beside the rule wherever a page states it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .provenance import SUGGESTION, origin


@dataclass(frozen=True)
class SigningRule:
    name: str
    value: int | str
    basis: str = SUGGESTION

    @property
    def provenance(self) -> str:
        return origin(self.basis)


PIN_MIN_LENGTH = SigningRule("Shortest sign-off PIN (digits)", 6)
PIN_MAX_LENGTH = SigningRule("Longest sign-off PIN (digits)", 8)
# Wrong PINs against one supervisor, counted by every worker together, before in-person signing locks for them.
PIN_FAILURES_PER_SUPERVISOR = SigningRule("Wrong PINs before in-person signing locks", "5 per 15 minutes")
# New links a trainee may send for one request to an outside assessor, beyond the first email.
LINK_REISSUES_PER_REQUEST = SigningRule("New assessor links per request", 3)
# The most extra new links a training director allows for one request at a time.
LINK_EXTRA_REISSUES_MAX = SigningRule("Extra new links a director allows at once", 5)


def pin_problems(pin: str) -> list[str]:
    """What is wrong with a proposed PIN, in words (empty when it is acceptable): digits only, of the allowed
    length, not one digit repeated and not a run up or down (123456, 876543)."""
    low, high = PIN_MIN_LENGTH.value, PIN_MAX_LENGTH.value
    if not pin or not pin.isascii() or not pin.isdigit() or not low <= len(pin) <= high:
        return [f"Enter a PIN of {low} to {high} digits, numbers only."]
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    if steps == {0}:
        return ["Choose a PIN that is not one digit repeated."]
    if steps in ({1}, {-1}, {1, -9}, {-1, 9}):
        return ["Choose a PIN that is not a run of digits like 123456 or 654321."]
    if len(set(pin)) <= 2:
        return ["Choose a PIN with more than two different digits."]
    return []


def reissues_allowed(extra_allowed: int) -> int:
    """How many new links one request may have: the programme's number plus what a director allowed."""
    return LINK_REISSUES_PER_REQUEST.value + max(0, extra_allowed)
