"""Reminders for sign-off requests waiting too long: one digest per supervisor, one email per outside assessor."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from competencies.calendar_days import days_since, uk_day
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, SignOffRequest
from trainee_portal.notifications.outbox import app_path, external_url, notify
from trainee_portal.platform.words import plural


def queue_reminders(days: int, now: datetime) -> int:
    """Queue reminders for pending requests older than `days` and not reminded in the last `days`; returns emails queued."""
    cutoff = now - timedelta(days=days)
    waiting = db.session.scalars(
        select(SignOffRequest)
        .where(
            SignOffRequest.status == "pending",
            SignOffRequest.created_at <= cutoff,
            or_(SignOffRequest.reminded_at.is_(None), SignOffRequest.reminded_at <= cutoff),
        )
        .options(joinedload(SignOffRequest.evidence).joinedload(EvidenceEntry.trainee), joinedload(SignOffRequest.supervisor))
        .order_by(SignOffRequest.created_at)
    ).all()
    by_supervisor: dict[int, list[SignOffRequest]] = defaultdict(list)
    queued = 0
    for signoff_request in waiting:
        if signoff_request.supervisor is not None:
            by_supervisor[signoff_request.supervisor.id].append(signoff_request)
        elif signoff_request.token_hash and signoff_request.expires_at and signoff_request.expires_at > now:
            entry = signoff_request.evidence
            notify(
                to_email=signoff_request.assessor_email,
                category="signoff.reminder",
                subject=f"Reminder: {entry.trainee.name} is waiting for your assessment",
                body=(
                    f'{entry.trainee.name} asked you on {uk_day(signoff_request.created_at):%d %B %Y} to assess "{entry.title}". '
                    f"Use the one-time link in that email; it works until {uk_day(signoff_request.expires_at):%d %B %Y}.\n"
                ),
            )
            signoff_request.reminded_at = now
            queued += 1
    for requests in by_supervisor.values():
        supervisor = requests[0].supervisor
        lines = "\n".join(
            f'- {r.evidence.trainee.name}: "{r.evidence.title}", waiting {plural(days_since(r.created_at, uk_day(now)), "day")}'
            for r in requests
        )
        notify(
            user=supervisor,
            category="signoff.reminder",
            link=app_path("signoff.queue"),
            subject=f"Reminder: {len(requests)} sign-off request{'' if len(requests) == 1 else 's'} waiting for you",
            body=f"These requests have waited more than {days} days:\n\n{lines}\n\nYour queue: {external_url('signoff.queue')}\n",
        )
        for r in requests:
            r.reminded_at = now
        queued += 1
    return queued
