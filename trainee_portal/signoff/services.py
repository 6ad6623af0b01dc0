"""Sign-off transitions: request, sign, return, cancel and end-of-stage sign-off.

Each keeps the progress summary current, appends an audit record and queues its emails in the caller's
transaction (the route commits once). Conditional UPDATEs make double submits and races fail cleanly.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from competencies import lifecycle, supervision_label
from trainee_portal import audit, curricula, policy
from trainee_portal.audit import text_sha256
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, SignOff, SignOffRequest, StageSignOff, TraineeProgress, User
from trainee_portal.notifications.outbox import TOKEN_PLACEHOLDER, app_path, external_url, notify
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.signoff import queries
from trainee_portal.summaries import progress, response_times


class SignOffConflict(Exception):
    """Someone else changed the request or the evidence first; nothing was saved."""


# What a sign-off write raises when another request got there first; conflict_message() says so.
RACE_ERRORS = (SignOffConflict, IntegrityError, OperationalError)


def conflict_message(error: Exception) -> str:
    """Roll back a write that lost a race and say what happened, for the page to flash."""
    db.session.rollback()
    if isinstance(error, SignOffConflict):
        return str(error)
    current_app.logger.warning("sign-off write lost a race: %s", error)
    return "Someone else changed this at the same moment, so nothing was saved. Check where it stands now."


def _move_evidence(entry: EvidenceEntry, from_statuses: tuple[str, ...], *, stored_hash: str | None = None, **values) -> None:
    """Change the entry only if it is still current, in one of the expected states and (when given) unchanged."""
    conditions = [EvidenceEntry.id == entry.id, EvidenceEntry.status.in_(from_statuses), EvidenceEntry.superseded_at.is_(None)]
    if stored_hash is not None:
        conditions.append(EvidenceEntry.content_hash == stored_hash)  # an edit landing mid-decision wins, not the signature
    result = db.session.execute(  # every write of an entry moves its optimistic lock on, so stale forms are refused
        update(EvidenceEntry)
        .where(*conditions)
        .values(row_version=EvidenceEntry.row_version + 1, **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise SignOffConflict("This evidence changed while you were working on it. Reload the page to see where it stands.")


def reopen_signed(entry: EvidenceEntry, stored_hash: str) -> None:
    """signed → returned, when the signature it rested on is voided (only if the entry is unchanged)."""
    _move_evidence(entry, lifecycle.DISOWN.sources, stored_hash=stored_hash, status=lifecycle.DISOWN.target, signed_at=None)


def _close_request(signoff_request: SignOffRequest, **values) -> None:
    result = db.session.execute(
        update(SignOffRequest)
        .where(SignOffRequest.id == signoff_request.id, SignOffRequest.status == "pending")
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise SignOffConflict("This request has already been decided or withdrawn, so nothing was changed.")


def _request_path(signoff_request: SignOffRequest) -> str:
    return app_path("signoff.detail", request_id=signoff_request.id)


def _tell_trainee(signoff_request: SignOffRequest, category: str, *, subject: str, body: str) -> None:
    """Tell the trainee, in the app and by email, what became of their request (the notification links to it)."""
    trainee = signoff_request.evidence.trainee
    notify(user=trainee, category=category, link=_request_path(signoff_request), subject=subject, body=body)


# --- requests -----------------------------------------------------------------------------------


def request_signoff(
    trainee: User, entry: EvidenceEntry, *, supervisor: User | None = None, assessor_email: str | None = None
) -> SignOffRequest:
    """draft/returned → submitted, with a pending request to a supervisor or an outside assessor."""
    now = utcnow()
    before = progress.contribution(entry)
    _move_evidence(
        entry,
        lifecycle.SUBMIT.sources,
        status=lifecycle.SUBMIT.target,
        submitted_at=now,
        content_hash=entry.compute_content_hash(),
    )
    signoff_request = SignOffRequest(
        evidence_id=entry.id,
        requested_by_id=trainee.id,
        status="pending",
        created_at=now,
        supervisor_id=supervisor.id if supervisor else None,
        assessor_email=None if supervisor else assessor_email,
    )
    db.session.add(signoff_request)
    db.session.flush()
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    audit.record(
        "signoff.requested",
        entry,
        {
            "request_id": signoff_request.id,
            "evidence_id": entry.id,
            "to": supervisor.email if supervisor else assessor_email,
            "kind": "supervisor" if supervisor else "assessor",
            "content_hash": entry.content_hash,
        },
        actor=trainee,
    )
    if supervisor:
        notify(
            user=supervisor,
            category="signoff.request",
            link=_request_path(signoff_request),
            subject=f"Sign-off requested by {trainee.name}: {entry.title}",
            body=(
                f'{trainee.name} has asked you to sign off "{entry.title}" ({entry.occurred_on:%d %B %Y}).\n\n'
                f"Review it here: {external_url('signoff.detail', request_id=signoff_request.id)}\n"
            ),
        )
    else:
        queue_assessor_link(trainee, entry, signoff_request)
    return signoff_request


def queue_assessor_link(trainee: User, entry: EvidenceEntry, signoff_request: SignOffRequest, *, again: bool = False) -> None:
    """The outside assessor's email; its one-time token is minted when the email is sent (signoff.links)."""
    link = external_url("signoff.assessor", token=TOKEN_PLACEHOLDER)
    newer = "This is a new link: any earlier link for this item no longer works.\n\n" if again else ""
    notify(
        to_email=signoff_request.assessor_email,
        category="signoff.assessor_link",
        signoff_request_id=signoff_request.id,
        subject=f"{'A new link: p' if again else 'P'}lease assess a training record for {trainee.name}",
        body=(
            f"{trainee.name}, a Pain Medicine trainee, has asked you to assess one item of their training "
            f'record: "{entry.title}" ({entry.occurred_on:%d %B %Y}).\n\n{newer}'
            f"Open this one-time link to review it and sign it off or return it (you will be asked for "
            f"your name and GMC number; no account is needed):\n{link}\n\n"
            f"The link works once and expires after the number of days your portfolio administrator set. "
            f"If you were not expecting this, ignore this email.\n"
        ),
    )


def _withdraw(trainee: User, signoff_request: SignOffRequest) -> None:
    """Close a pending request as withdrawn and tell whoever was asked. Its audit record (record_withdrawal) is the
    caller's to append once the evidence's summaries are written: every write takes the tallies and the trainee's row
    before the audit chain's head, else two writes of one trainee could each hold what the other waits for."""
    entry = signoff_request.evidence
    _close_request(signoff_request, status="cancelled", decided_at=utcnow())
    if signoff_request.supervisor is not None:
        notify(
            user=signoff_request.supervisor,
            category="signoff.cancelled",
            link=_request_path(signoff_request),
            subject=f"Sign-off request withdrawn: {entry.title}",
            body=f'{trainee.name} withdrew the request to sign off "{entry.title}". Nothing more is needed from you.\n',
        )
    elif signoff_request.token_hash is not None:  # the assessor already has a link: tell them it no longer works
        notify(
            to_email=signoff_request.assessor_email,
            category="signoff.cancelled",
            subject=f"Assessment request withdrawn by {trainee.name}",
            body=f'{trainee.name} withdrew the request to assess "{entry.title}". The link you were sent no longer works.\n',
        )


def record_withdrawal(trainee: User, signoff_request: SignOffRequest) -> None:
    """The audit record of a request _withdraw closed."""
    entry = signoff_request.evidence
    audit.record("signoff.cancelled", entry, {"request_id": signoff_request.id, "evidence_id": entry.id}, actor=trainee)


def cancel(trainee: User, signoff_request: SignOffRequest) -> None:
    """A pending request withdrawn by the trainee: submitted → draft."""
    entry = signoff_request.evidence
    before = progress.contribution(entry)
    _withdraw(trainee, signoff_request)
    _move_evidence(entry, lifecycle.WITHDRAW.sources, status=lifecycle.WITHDRAW.target, submitted_at=None)
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    record_withdrawal(trainee, signoff_request)


def pending_request(entry: EvidenceEntry) -> SignOffRequest | None:
    return db.session.scalar(
        select(SignOffRequest).where(SignOffRequest.evidence_id == entry.id, SignOffRequest.status == "pending")
    )


def withdraw_for_edit(trainee: User, entry: EvidenceEntry) -> SignOffRequest | None:
    """Editing evidence that waits for sign-off withdraws its request first, in the edit's transaction (the request
    row, then the entry: the order sign() takes them in), so nobody signs content that changed under them. A request
    decided meanwhile raises SignOffConflict (its decision also moved the entry's row_version on). The caller appends
    its audit record (record_withdrawal) after the edit's summaries, as every write orders its locks."""
    signoff_request = pending_request(entry)
    if signoff_request is not None:
        try:
            _withdraw(trainee, signoff_request)
        except SignOffConflict:
            raise SignOffConflict(
                "The request for sign-off was decided while you were editing, so your changes were "
                "not saved. What you typed is still below."
            ) from None
    return signoff_request


# --- decisions ----------------------------------------------------------------------------------


def _decided_by(decider: User | None, assessor_name: str | None, assessor_gmc: str | None, assessor_email: str | None):
    if decider is not None:
        return {"actor": decider}
    return {"actor": None, "actor_label": f"{assessor_name} (GMC {assessor_gmc}) <{assessor_email}> via one-time link"}


def sign(
    signoff_request: SignOffRequest,
    *,
    level: str,
    feedback: str,
    seen_hash: str,
    decider: User | None = None,
    assessor_name: str | None = None,
    assessor_gmc: str | None = None,
    method: str | None = None,
    witness: User | None = None,
    token=None,
) -> SignOff:
    """The signer's decision, covering the content as they saw it, with the level they gave.

    A supervisor's signature, or an outside assessor's at a domain the trainee's region trusts, makes the evidence
    signed. Any other outside assessor's signature is kept as 'unconfirmed': the request is decided, the evidence
    stays submitted (it does not count) and the educational supervisors are asked to confirm or decline it.

    `method` says how it was given: signed in (a supervisor's default), through a one-time link (an assessor's), or
    in person with the supervisor's PIN on the device of `witness` (the trainee signed in there), or through the
    API with a personal access `token` (its shown part goes in the audit record, never its secret).
    """
    entry, now = signoff_request.evidence, utcnow()
    method = method or ("signed_in" if decider else "assessor_link")
    if entry.compute_content_hash() != seen_hash:
        raise SignOffConflict("The trainee changed this evidence after you opened it. Read it again before deciding.")
    assurance, _trusted_domain = policy.signature_assurance(signoff_request)
    before = progress.contribution(entry)
    _close_request(
        signoff_request,
        status="signed",
        decided_at=now,
        decided_by_id=decider.id if decider else None,
        token_used_at=None if decider else now,
    )
    response_times.record_decision(signoff_request, now)
    entry.supervision_level = level
    content_hash = entry.compute_content_hash()
    counts = assurance != "unconfirmed"
    _move_evidence(
        entry,
        lifecycle.SIGN.sources,  # an unconfirmed signature leaves the evidence where it is, in review
        stored_hash=seen_hash,
        supervision_level=level,
        content_hash=content_hash,
        **({"status": lifecycle.SIGN.target, "signed_at": now} if counts else {}),
    )
    signoff = SignOff(
        evidence_id=entry.id,
        request_id=signoff_request.id,
        signer_id=decider.id if decider else None,
        assessor_name=assessor_name,
        assessor_gmc=assessor_gmc,
        supervision_level=level,
        feedback=feedback or "",
        content_hash=content_hash,
        signed_at=now,
        assurance=assurance,
        assessor_email=None if decider else signoff_request.assessor_email,
        method=method,
    )
    db.session.add(signoff)
    db.session.flush()  # the unique request_id refuses a second signature even if a race slipped past the checks
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    audit.record(
        "signoff.signed",
        entry,
        {
            "request_id": signoff_request.id,
            "signoff_id": signoff.id,
            "evidence_id": entry.id,
            "level": level,
            "content_hash": content_hash,
            "signer_id": signoff.signer_id,
            "assessor_name": assessor_name,
            "assessor_gmc": assessor_gmc,
            "assessor_email": signoff.assessor_email,
            "assurance": assurance,
            "feedback_sha256": text_sha256(signoff.feedback),
            "method": method,
            **({"witness_id": witness.id} if witness is not None else {}),
            **({"token": token.shown_part} if token is not None else {}),
        },
        **_decided_by(decider, assessor_name, assessor_gmc, signoff_request.assessor_email),
    )
    who = decider.name if decider else f"{assessor_name} (outside assessor)"
    waiting = (
        ""
        if counts
        else (
            "\n\nThe assessor's address is not at a domain your region trusts, so this signature "
            "counts only once your educational supervisor confirms it. They have been asked to.\n"
        )
    )
    _tell_trainee(
        signoff_request,
        "signoff.signed",
        subject=f"Signed off: {entry.title}"
        if counts
        else f"Signed by an outside assessor, awaiting confirmation: {entry.title}",
        body=f'{who} signed off "{entry.title}" at supervision level {supervision_label(level)}.{waiting}\n\n'
        f"Feedback: {feedback or '(none given)'}\n\n"
        f"See it here: {external_url('signoff.detail', request_id=signoff_request.id)}\n",
    )
    if not counts:
        _ask_for_confirmation(signoff)
    return signoff


def _ask_for_confirmation(signoff: SignOff) -> None:
    entry = signoff.evidence
    for supervisor, _kind in queries.current_supervisors(entry.trainee_id, uk_today(), kind="educational"):
        if supervisor.id != entry.trainee_id:
            notify(
                user=supervisor,
                category="signoff.confirm",
                link=app_path("signoff.queue"),
                subject=f"Confirm an outside assessor's signature for {entry.trainee.name}: {entry.title}",
                body=(
                    f"{signoff.assessor_name} ({signoff.assessor_email}, GMC {signoff.assessor_gmc}) signed off "
                    f'"{entry.title}" for {entry.trainee.name} through a one-time link. The address is not at a '
                    f"domain the region trusts, so the signature counts only if you confirm that this assessor "
                    f"is who they say they are.\n\nConfirm or decline it here: {external_url('signoff.queue')}\n"
                ),
            )


def _claim_unconfirmed(signoff: SignOff, **values) -> None:
    result = db.session.execute(
        update(SignOff)
        .where(SignOff.id == signoff.id, SignOff.assurance == "unconfirmed", SignOff.voided_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise SignOffConflict("Someone has already confirmed or declined this signature, so nothing was changed.")


def confirm(supervisor: User, signoff: SignOff) -> None:
    """The educational supervisor vouches for an outside assessor: the signature counts, the evidence is signed."""
    entry, now = signoff.evidence, utcnow()
    before = progress.contribution(entry)
    _claim_unconfirmed(signoff, assurance="confirmed", confirmed_by_id=supervisor.id, confirmed_at=now)
    _move_evidence(entry, lifecycle.SIGN.sources, stored_hash=signoff.content_hash, status=lifecycle.SIGN.target, signed_at=now)
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    audit.record(
        "signoff.confirmed",
        entry,
        {"signoff_id": signoff.id, "evidence_id": entry.id, "confirmed_by_id": supervisor.id, "assurance": "confirmed"},
        actor=supervisor,
    )
    _tell_trainee(
        signoff.request,
        "signoff.confirmed",
        subject=f"Signature confirmed: {entry.title}",
        body=f'{supervisor.name} confirmed {signoff.assessor_name}\'s signature on "{entry.title}". '
        f"It now counts towards your progress.\n",
    )


def decline(supervisor: User, signoff: SignOff, reason: str) -> None:
    """The educational supervisor does not vouch for the assessor: the signature is void, the evidence returned."""
    entry, now = signoff.evidence, utcnow()
    before = progress.contribution(entry)
    _claim_unconfirmed(signoff, voided_at=now, void_reason=reason)
    _move_evidence(entry, lifecycle.RETURN.sources, stored_hash=signoff.content_hash, status=lifecycle.RETURN.target)
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    audit.record(
        "signoff.voided",
        entry,
        {"signoff_id": signoff.id, "evidence_id": entry.id, "reason": reason, "content_hash": signoff.content_hash},
        actor=supervisor,
    )
    _tell_trainee(
        signoff.request,
        "signoff.returned",
        subject=f"Outside assessor's signature declined: {entry.title}",
        body=f'{supervisor.name} did not confirm {signoff.assessor_name}\'s signature on "{entry.title}", so it '
        f"does not count and the evidence is returned to you.\n\nReason: {reason}\n\n"
        f"Ask for sign-off again: {external_url('signoff.detail', request_id=signoff.request_id)}\n",
    )


def return_to_trainee(
    signoff_request: SignOffRequest,
    *,
    reason: str,
    decider: User | None = None,
    assessor_name: str | None = None,
    assessor_gmc: str | None = None,
) -> None:
    """submitted → returned, with a reason the trainee sees."""
    entry, now = signoff_request.evidence, utcnow()
    before = progress.contribution(entry)
    _close_request(
        signoff_request,
        status="returned",
        decided_at=now,
        decided_by_id=decider.id if decider else None,
        return_reason=reason,
        token_used_at=None if decider else now,
    )
    response_times.record_decision(signoff_request, now)
    _move_evidence(entry, lifecycle.RETURN.sources, status=lifecycle.RETURN.target)
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    audit.record(
        "signoff.returned",
        entry,
        {"request_id": signoff_request.id, "evidence_id": entry.id, "reason": reason, "assessor_gmc": assessor_gmc},
        **_decided_by(decider, assessor_name, assessor_gmc, signoff_request.assessor_email),
    )
    who = decider.name if decider else f"{assessor_name} (outside assessor)"
    _tell_trainee(
        signoff_request,
        "signoff.returned",
        subject=f"Returned for changes: {entry.title}",
        body=f'{who} returned "{entry.title}" to you.\n\nReason: {reason}\n\n'
        f"Change it and ask again: {external_url('signoff.detail', request_id=signoff_request.id)}\n",
    )


# --- end of stage -------------------------------------------------------------------------------


def sign_off_stage(supervisor: User, trainee: User, stage_key: str, signed_on: date, comment: str) -> StageSignOff:
    """Close a stage the core says is complete; the unique constraint refuses a second sign-off."""
    row = db.session.get(TraineeProgress, (trainee.id, stage_key))
    if row is None or not row.ready_for_signoff:
        raise SignOffConflict("This stage's requirements are not all met yet, so it cannot be signed off.")
    profile = trainee.trainee_profile
    stage_signoff = StageSignOff(
        trainee_id=trainee.id,
        curriculum_version=profile.curriculum_version,
        stage_key=stage_key,
        stage_level=row.stage_level,
        signed_by_id=supervisor.id,
        signed_on=signed_on,
        comment=comment or "",
    )
    db.session.add(stage_signoff)
    db.session.flush()
    progress.refresh_trainee(trainee.id)  # the stage is now complete in the read model
    audit.record(
        "stage.signed_off",
        stage_signoff,
        {
            "stage_sign_off_id": stage_signoff.id,
            "trainee_id": trainee.id,
            "stage_key": stage_key,
            "curriculum_version": profile.curriculum_version,
            "stage_level": stage_signoff.stage_level,
            "signed_by_id": supervisor.id,
            "signed_on": signed_on.isoformat(),
            "comment_sha256": text_sha256(stage_signoff.comment),
        },
        actor=supervisor,
    )
    stage_name = curricula.curriculum(profile.curriculum_version).stage(stage_key).name
    notify(
        user=trainee,
        category="stage.signed_off",
        link=app_path("signoff.mine"),
        subject=f"Stage signed off: {stage_name}",
        body=f"{supervisor.name} signed off your {stage_name} stage on {signed_on:%d %B %Y}.\n\n{comment or ''}\n",
    )
    return stage_signoff
