"""Demo data for the trainee's home: two of the 2021 demo trainee's Stage 3 drafts sent to their educational
supervisor, one 18 days ago (past the 14-day mark, so the home shows it as waiting too long) and one 6 days ago,
beside the request to an outside assessor the sign-off demo makes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, OutboxMessage
from trainee_portal.signoff import services

SENT_DAYS_AGO = (18, 6)


def load(today: date) -> None:
    trainee, supervisor = by_email("trainee"), by_email("supervisor")
    if trainee is None or supervisor is None:
        return
    drafts = db.session.scalars(
        select(EvidenceEntry)
        .where(
            EvidenceEntry.trainee_id == trainee.id,
            EvidenceEntry.stage_level == trainee.trainee_profile.current_stage,
            EvidenceEntry.status == "draft",
            EvidenceEntry.superseded_at.is_(None),
        )
        .order_by(EvidenceEntry.id)
        .limit(len(SENT_DAYS_AGO))
    ).all()
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:5000"
    with current_app.test_request_context(base_url=base):
        for entry, days in zip(drafts, SENT_DAYS_AGO):
            sent = datetime.combine(today - timedelta(days=days), time(16, 40))
            made = services.request_signoff(trainee, entry, supervisor=supervisor)
            made.created_at = entry.submitted_at = sent
            db.session.flush()
            # The supervisor was emailed then: the message counts as delivered, as the sign-off demo's do.
            for message in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.link.endswith(f"/{made.id}"))
            ):
                message.created_at = message.sent_at = sent
                message.attempts, message.next_attempt_at = 1, None
    db.session.flush()
