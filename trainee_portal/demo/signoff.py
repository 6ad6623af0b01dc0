"""Demo sign-off data: a supervisor queue with long waits, a returned item, an assessor request and notifications."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, OutboxMessage, SignOffRequest, User
from trainee_portal.platform.clock import utcnow
from trainee_portal.signoff import services

WAITS = (31, 22, 17, 15, 12, 9, 6, 4, 2, 1)  # days; the first few are past the 14-day mark on purpose


def load(today: date) -> None:
    supervisor, trainee = by_email("supervisor"), by_email("trainee")
    if supervisor is None or trainee is None:
        return
    # The main demo stamps requests at 17:30 on their day, which may be later today: those are moved back to two hours
    # ago, but never before today began (just after midnight a request would otherwise precede its entry's day).
    now = utcnow()
    latest = max(now - timedelta(hours=2), min(now, datetime.combine(today, time.min)))
    for signoff_request in db.session.scalars(select(SignOffRequest).where(SignOffRequest.created_at > latest)):
        signoff_request.created_at = latest
    own = db.session.scalars(
        select(SignOffRequest)
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .where(
            SignOffRequest.supervisor_id == supervisor.id,
            SignOffRequest.status == "pending",
            EvidenceEntry.trainee_id == trainee.id,
        )
        .order_by(SignOffRequest.id.desc())
        .limit(3)
    ).all()
    for_assessors = db.session.scalars(  # other London trainees' items, so the main trainee's queue stays as it was
        select(SignOffRequest)
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .where(
            SignOffRequest.supervisor_id == supervisor.id,
            SignOffRequest.status == "pending",
            EvidenceEntry.trainee_id != trainee.id,
        )
        .order_by(SignOffRequest.id)
        .limit(len(ASSESSORS))
    ).all()
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:5000"
    with current_app.test_request_context(base_url=base):
        _outside_assessors_sign(supervisor, for_assessors)
        if len(own) == 3:
            to_return, to_sign, to_assessor = own
            services.return_to_trainee(
                to_return,
                decider=supervisor,
                reason="Please add what you would do differently next time, and the outcome at follow-up.",
            )
            entry = to_sign.evidence
            services.sign(
                to_sign,
                level=entry.supervision_level or "2b",
                seen_hash=entry.compute_content_hash(),
                feedback="Clear history and a sensible plan. Next time, discuss opioid tapering with the patient.",
                decider=supervisor,
            )
            services.cancel(trainee, to_assessor)
            db.session.flush()
            services.request_signoff(trainee, to_assessor.evidence, assessor_email="dr.visiting.consultant@nhs.example")
    db.session.flush()
    pending = db.session.scalars(
        select(SignOffRequest)
        .where(SignOffRequest.supervisor_id == supervisor.id, SignOffRequest.status == "pending")
        .options(joinedload(SignOffRequest.evidence))
        .order_by(SignOffRequest.id)
    ).all()
    # Spread the waits deterministically, the main demo trainee first, so the queue shows old and new requests.
    pending = sorted(pending, key=lambda r: (r.evidence.trainee_id != trainee.id, r.id))
    for index, signoff_request in enumerate(pending):
        waited = WAITS[index % len(WAITS)] + index // len(WAITS)
        signoff_request.created_at = datetime.combine(today - timedelta(days=waited), time(9, 15))
    db.session.flush()
    _settle_outbox(pending[:4], supervisor)


# Every kind of outside assessor's signature: at a domain London trusts (counts), from an address nobody vouches for
# (awaits the educational supervisor), and one of those the supervisor has confirmed (counts).
ASSESSORS = (
    ("Dr Ruth Adler", "1987654", "ruth.adler@nhs.net"),
    ("Dr Marco Bianchi", "2345678", "marco.bianchi@pain-clinic.example"),
    ("Dr Ines Duarte", "3456789", "ines.duarte@visiting.example"),
)


def _outside_assessors_sign(supervisor: User, requests: list[SignOffRequest]) -> None:
    for (name, gmc, email), supervisor_request in zip(ASSESSORS, requests):
        entry = supervisor_request.evidence
        trainee = entry.trainee
        services.cancel(trainee, supervisor_request)
        db.session.flush()
        assessor_request = services.request_signoff(trainee, entry, assessor_email=email)
        db.session.flush()
        signoff = services.sign(
            assessor_request,
            level=entry.supervision_level or "2b",
            seen_hash=entry.compute_content_hash(),
            feedback="Good technique and clear consent discussion.",
            assessor_name=name,
            assessor_gmc=gmc,
        )
        if email.endswith("visiting.example"):
            db.session.flush()
            services.confirm(supervisor, signoff)


def _settle_outbox(oldest: list[SignOffRequest], supervisor: User) -> None:
    """Earlier emails count as delivered; the supervisor gets unread notifications for their oldest requests."""
    now = utcnow()
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.category != "signoff.assessor_link")
    ):
        message.sent_at, message.attempts, message.next_attempt_at = now, 1, None
    for signoff_request in oldest:
        entry = signoff_request.evidence
        db.session.add(
            OutboxMessage(
                user_id=supervisor.id,
                to_email=supervisor.email,
                category="signoff.request",
                subject=f"Sign-off requested by {entry.trainee.name}: {entry.title}",
                body=f'{entry.trainee.name} has asked you to sign off "{entry.title}".',
                link=f"/signoff/requests/{signoff_request.id}",
                created_at=signoff_request.created_at,
                sent_at=signoff_request.created_at,
                attempts=1,
                next_attempt_at=None,
            )
        )
