"""The rules of personal access tokens for the JSON API: what each scope lets a token do, how long a token may live,
how its secret is written, and how often its last use is recorded.

None of this comes from the FPM or the RCoA: every number here is the programme's own. The secret carries 256 bits
from the operating system's random source, so a SHA-256 of it is enough to store (no slow hash is needed against
guessing, unlike a password a person chose), and the prefix lets a leaked token be recognised by secret scanners.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Scope:
    name: str
    label: str
    explanation: str


SCOPES = (
    Scope("read", "Read", "Read your profile, the curricula, and the evidence, progress and exam readiness you may see."),
    Scope(
        "evidence:write",
        "Write evidence",
        "Record logbook entries, change them while they can still be changed, and ask for sign-off.",
    ),
    Scope("signoff", "Sign off", "Read the sign-off requests waiting for you and sign or return them."),
    Scope("cohort:read", "Cohort read", "Read the cohort summary and ARCP readiness of the trainees you oversee."),
)
SCOPE_NAMES = tuple(s.name for s in SCOPES)
SCOPE_LABELS = {s.name: s.label for s in SCOPES}

PREFIX = "ptp_"  # "pain training portal": every token starts with it
SECRET_BYTES = 32  # 256 bits of randomness after the prefix
TOKEN_PATTERN = re.compile(r"^ptp_[A-Za-z0-9_-]{43}$")  # the prefix and 32 bytes in URL-safe base64, unpadded
SHOWN_CHARS = 8  # the characters after the prefix kept in clear so the owner can tell tokens apart

DEFAULT_LIFETIME_DAYS = 90  # the programme's own: a quarter, long enough for a rota app, short enough to expire
MAX_LIFETIME_DAYS = 366  # the programme's own: no token outlives a training year
LIFETIME_CHOICES = (30, 90, 180, 366)
MAX_ACTIVE_TOKENS = 20  # the programme's own: more than any one person's integrations
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last use is written at most once a minute per token
NAME_MAX = 80


def hash_secret(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(value: str) -> bool:
    return bool(TOKEN_PATTERN.fullmatch(value or ""))


def shown_part(token: str) -> str:
    """The part of a token shown on the account page after creation: the prefix and its first characters."""
    return token[: len(PREFIX) + SHOWN_CHARS]


def parse_scopes(values) -> tuple[str, ...]:
    """The known scopes among values, in their canonical order; unknown names are dropped by the caller's check."""
    wanted = {str(v).strip() for v in values or ()}
    return tuple(name for name in SCOPE_NAMES if name in wanted)


def unknown_scopes(values) -> list[str]:
    return sorted({str(v).strip() for v in values or ()} - set(SCOPE_NAMES))


def expiry_problem(expires_on: date | None, today: date) -> str | None:
    """Why an expiry date cannot be chosen, or None."""
    if expires_on is None:
        return "Choose when the token expires."
    if expires_on <= today:
        return "The expiry date must be after today."
    if expires_on > today + timedelta(days=MAX_LIFETIME_DAYS):
        return f"A token can live at most {MAX_LIFETIME_DAYS} days: choose an earlier expiry date."
    return None


def is_live(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> bool:
    """A token works until its expiry instant and never after it is revoked."""
    return revoked_at is None and now < expires_at


def should_record_use(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION
