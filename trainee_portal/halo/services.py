"""HALO transitions: request, sign, return and withdraw. Each appends an audit record with the request's full state,
keeps the progress summary current and tells the other side, in the caller's transaction (the route commits once).
Conditional UPDATEs and a unique index on open requests make double submits and races fail cleanly."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from competencies import halo
from trainee_portal import audit, curricula, policy
from trainee_portal.extensions import db
from trainee_portal.halo import queries
from trainee_portal.models import HaloEvidence, HaloRequest, RoleScope, User
from trainee_portal.notifications.outbox import app_path, external_url, notify
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.words import plural
from trainee_portal.summaries import progress, readiness


class HaloError(Exception):
    """The request cannot be made or decided as asked; the message says why. Nothing was saved."""


RACE_ERRORS = (HaloError, IntegrityError, OperationalError)


def error_message(error: Exception) -> str:
    """Roll back a write that was refused or lost a race and say what happened, for the page to show."""
    db.session.rollback()
    if isinstance(error, HaloError):
        return str(error)
    current_app.logger.warning("HALO write lost a race: %s", error)
    return "Someone else changed this HALO request at the same moment, so nothing was saved. Check where it stands now."


def stage_name(halo_request: HaloRequest) -> str:
    return curricula.curriculum(halo_request.curriculum_version).stage(halo_request.stage_key).name


def _record(action: str, halo_request: HaloRequest, actor: User) -> None:
    db.session.flush()
    db.session.refresh(halo_request)
    audit.record(action, halo_request, {"halo_request_id": halo_request.id, **halo_request.audit_state()}, actor=actor)


def request_halo(trainee: User, stage_key: str, evidence_ids: list[int], statement: str) -> HaloRequest:
    """Ask for the HALO of one stage of the trainee's own 2021 curriculum with chosen evidence mapped to that stage."""
    profile = trainee.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    if not halo.closes_by_halo(curriculum):
        raise HaloError("Your curriculum closes its units by the educational supervisor's sign-off, not by a HALO.")
    stage = curriculum.stage(stage_key)
    if stage not in curriculum.followed_stages(profile.sia_stage_key):
        raise HaloError(f"You do not follow {stage.name}: ask for the HALO of the SIA you follow.")
    if stage.key in progress.carried_signoffs(trainee.id, curriculum.version):
        raise HaloError(f"{stage.name} is already complete: its counterpart was signed off before your move.")
    earlier = [r.status for r in queries.requests_for_stage(trainee.id, curriculum.version, stage.key)]
    if not halo.may_request(earlier):
        raise HaloError(f"Your {stage.name} HALO is already requested or signed, so you cannot ask again now.")
    mapped = {e.id: e for e in queries.stage_evidence(trainee.id, stage)}
    chosen = [mapped[i] for i in dict.fromkeys(evidence_ids) if i in mapped]
    if len(chosen) < halo.MIN_EVIDENCE or len(chosen) != len(set(evidence_ids)):
        raise HaloError(f"Choose at least {halo.MIN_EVIDENCE} piece of your own current evidence mapped to {stage.name}.")
    halo_request = HaloRequest(
        trainee_id=trainee.id,
        curriculum_version=curriculum.version,
        stage_key=stage.key,
        statement=statement or "",
        evidence=[HaloEvidence(evidence_id=e.id, content_hash=e.content_hash, row_version=e.row_version) for e in chosen],
    )
    db.session.add(halo_request)
    _record("halo.requested", halo_request, trainee)
    for reviewer in _reviewers(trainee):
        notify(
            user=reviewer,
            category="halo.requested",
            link=app_path("halo.detail", request_id=halo_request.id),
            subject=f"HALO requested: {stage.name}, {trainee.name}",
            body=f"{trainee.name} asked for the {stage.name} HALO with {plural(len(chosen), 'piece')} of evidence.\n\n"
            f"Open it: {external_url('halo.detail', request_id=halo_request.id)}\n",
        )
    readiness.refresh_trainee(trainee.id)  # a HALO asked for is in, waiting for its sign-off
    return halo_request


def _reviewers(trainee: User) -> list[User]:
    """Faculty Tutors (Pain) and RAPMs whose region scope holds the trainee."""
    profile = trainee.trainee_profile
    candidates = db.session.scalars(
        select(User)
        .join(RoleScope, RoleScope.user_id == User.id)
        .where(RoleScope.region_id == profile.region_id, RoleScope.role.in_(halo.SIGNING_ROLES), User.active.is_(True))
        .distinct()
    ).all()
    return [u for u in candidates if policy.reviews_halos_of(u, trainee.id)]


def _close(halo_request: HaloRequest, **values) -> None:
    result = db.session.execute(
        update(HaloRequest)
        .where(HaloRequest.id == halo_request.id, HaloRequest.status.in_(halo.OPEN))
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise HaloError("This HALO request has already been decided or withdrawn, so nothing was changed.")


def decide(reviewer: User, halo_request: HaloRequest, decision: str, comment: str) -> None:
    """Sign or return an open request (a return needs its reason); a signed HALO completes the stage."""
    if decision not in ("sign", "return"):
        raise HaloError("Choose whether to sign the HALO or return it.")
    if decision == "return" and not comment.strip():
        raise HaloError("Enter the reason for returning the HALO, so the trainee knows what to do next.")
    if decision == "sign" and queries.evidence_changed(halo_request):
        # The request keeps each entry's content hash as it was asked with: a signature over changed content would
        # record content the reviewer never saw. Return it so the trainee asks again with the evidence as it stands.
        raise HaloError(
            "Evidence this request names has changed since the trainee asked, so it cannot be signed as it stands. "
            "Return it, so the trainee asks again with the evidence as it is now."
        )
    status = halo.SIGNED if decision == "sign" else halo.RETURNED
    now = utcnow()
    _close(halo_request, status=status, decided_by_id=reviewer.id, decided_at=now, decision_comment=comment.strip())
    _record(f"halo.{status}", halo_request, reviewer)
    progress.refresh_trainee(halo_request.trainee_id)
    name = stage_name(halo_request)
    if status == halo.SIGNED:
        subject, body = (
            f"HALO signed: {name}",
            f"{reviewer.name} signed your {name} HALO on {now:%d %B %Y}. The stage is complete.",
        )
    else:
        subject, body = (
            f"HALO returned: {name}",
            f"{reviewer.name} returned your {name} HALO request.\n\nReason: {comment.strip()}",
        )
    notify(
        user=halo_request.trainee,
        category=f"halo.{status}",
        link=app_path("halo.detail", request_id=halo_request.id),
        subject=subject,
        body=f"{body}\n\n{external_url('halo.detail', request_id=halo_request.id)}\n",
    )


def withdraw(trainee: User, halo_request: HaloRequest) -> None:
    _close(halo_request, status=halo.WITHDRAWN, decided_at=utcnow())
    _record("halo.withdrawn", halo_request, trainee)
    readiness.refresh_trainee(halo_request.trainee_id)
