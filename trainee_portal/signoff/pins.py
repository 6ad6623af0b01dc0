"""Signing in person: a supervisor's sign-off PIN (only its slow hash is kept), the signature it gives on the
trainee's signed-in device, wrong PINs counted per supervisor by every worker together, and the supervisor voiding
a signature given in their name that was not theirs. The PIN itself is never logged, audited or shown."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from competencies.calendar_days import uk_time
from trainee_portal import audit
from trainee_portal.auth import throttle
from trainee_portal.auth.signing_pin import has_pin, matches, pin_of
from trainee_portal.extensions import db
from trainee_portal.models import SignOff, SignOffRequest, User
from trainee_portal.notifications.outbox import app_path, external_url, notify
from trainee_portal.platform.clock import utcnow
from trainee_portal.signoff import services
from trainee_portal.signoff.services import SignOffConflict
from trainee_portal.summaries import progress

THROTTLE_SETTING = "SIGNING_PIN_FAILURES_PER_SUPERVISOR"
__all__ = ["check_pin", "disown", "has_pin", "sign_in_person"]


# --- checking a PIN typed on the trainee's device ---------------------------------------------------


def _checks(supervisor: User) -> list[tuple[str, str, str]]:
    # Counted against the supervisor's account, apart from their sign-ins (as reset requests are kept apart).
    return [("account", f"signing-pin|{supervisor.id}", THROTTLE_SETTING)]


def check_pin(trainee: User, signoff_request: SignOffRequest, pin: str) -> tuple[str, int]:
    """('right' | 'wrong' | 'locked' | 'none', seconds the lock lasts). Counts a wrong PIN against the supervisor
    (whoever typed it) and audits it; a lock refuses even the right PIN, so it cannot confirm a guess."""
    supervisor = signoff_request.supervisor
    row = pin_of(supervisor)
    if row is None:
        return "none", 0
    wait, held = throttle.begin(_checks(supervisor))
    if wait:
        _audit_attempt("signoff.in_person_locked", trainee, signoff_request)
        db.session.commit()
        return "locked", wait
    if matches(row, pin):
        throttle.release(held)
        return "right", 0
    _audit_attempt("signoff.in_person_wrong_pin", trainee, signoff_request)
    throttle.count(_checks(supervisor))
    db.session.commit()  # the audit record, whichever store counted the attempt
    current_app.logger.info("wrong in-person sign-off PIN for supervisor %s (request %s)", supervisor.id, signoff_request.id)
    return "wrong", 0


def _audit_attempt(action: str, trainee: User, signoff_request: SignOffRequest) -> None:
    entry = signoff_request.evidence
    audit.record(
        action,
        entry,
        {"request_id": signoff_request.id, "evidence_id": entry.id, "supervisor_id": signoff_request.supervisor_id},
        actor=trainee,
    )


# --- the signature, and voiding it --------------------------------------------------------------------


def sign_in_person(trainee: User, signoff_request: SignOffRequest, *, level: str, feedback: str, seen_hash: str) -> SignOff:
    """The named supervisor's signature, given with their PIN on the trainee's device: theirs (signer_id), recorded
    with its method, and the supervisor is told at once with a way to void it."""
    supervisor = signoff_request.supervisor
    signoff = services.sign(
        signoff_request,
        level=level,
        feedback=feedback,
        seen_hash=seen_hash,
        decider=supervisor,
        method="in_person_pin",
        witness=trainee,
    )
    entry = signoff_request.evidence
    notify(
        user=supervisor,
        category="signoff.in_person",
        link=app_path("signoff.disown", signoff_id=signoff.id),
        subject=f"You signed off in person: {entry.title} for {trainee.name}",
        body=(
            f'A signature was given in your name with your sign-off PIN, on {trainee.name}\'s device, for "{entry.title}" '
            f"({entry.occurred_on:%d %B %Y}) at {uk_time(signoff.signed_at):%H:%M %Z on %d %B %Y}.\n\n"
            f"If this was not you, void the signature here and change your PIN: "
            f"{external_url('signoff.disown', signoff_id=signoff.id)}\n"
        ),
    )
    return signoff


def disown(supervisor: User, signoff: SignOff, reason: str) -> None:
    """The supervisor voids a signature given in person in their name: the evidence goes back to the trainee."""
    entry, now = signoff.evidence, utcnow()
    before = progress.contribution(entry)
    result = db.session.execute(
        update(SignOff)
        .where(
            SignOff.id == signoff.id,
            SignOff.voided_at.is_(None),
            SignOff.method == "in_person_pin",
            SignOff.signer_id == supervisor.id,
        )
        .values(voided_at=now, void_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise SignOffConflict("This signature was already voided, so nothing was changed.")
    services.reopen_signed(entry, signoff.content_hash)
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    audit.record(
        "signoff.voided",
        entry,
        {
            "signoff_id": signoff.id,
            "evidence_id": entry.id,
            "reason": reason,
            "content_hash": signoff.content_hash,
            "method": signoff.method,
            "disowned_by_id": supervisor.id,
        },
        actor=supervisor,
    )
    notify(
        user=entry.trainee,
        category="signoff.returned",
        link=app_path("signoff.detail", request_id=signoff.request_id),
        subject=f"Signature voided by {supervisor.name}: {entry.title}",
        body=f'{supervisor.name} voided the signature given in person in their name on "{entry.title}", so it no '
        f"longer counts and the evidence is returned to you.\n\nReason: {reason}\n",
    )
