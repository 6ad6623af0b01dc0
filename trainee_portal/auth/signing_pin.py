"""A supervisor's in-person sign-off PIN, kept with their account: only its slow hash (werkzeug scrypt, as
passwords are) is stored; setting, changing and removing it are audited (never the PIN)."""

from __future__ import annotations

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import SigningPin, User
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.passwords import hash_password, verify_password


def pin_of(user: User) -> SigningPin | None:
    return db.session.get(SigningPin, user.id)


def has_pin(user: User | None) -> bool:
    return user is not None and pin_of(user) is not None


def matches(row: SigningPin, pin: str) -> bool:
    return verify_password(row.pin_hash, pin)


def set_pin(user: User, pin: str) -> None:
    """Set or change the user's PIN (the form has checked competencies.signing.pin_problems)."""
    row, now = pin_of(user), utcnow()
    action = "signing_pin.changed" if row is not None else "signing_pin.set"
    if row is None:
        row = SigningPin(user_id=user.id)
        db.session.add(row)
    row.pin_hash, row.set_at = hash_password(pin), now
    audit.record(action, user, {"user_id": user.id}, actor=user)


def remove_pin(user: User) -> bool:
    """Remove the user's PIN; False when there was none."""
    row = pin_of(user)
    if row is None:
        return False
    db.session.delete(row)
    audit.record("signing_pin.removed", user, {"user_id": user.id}, actor=user)
    return True
