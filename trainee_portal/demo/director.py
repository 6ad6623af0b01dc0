"""Demo data for the training director's home: on London's ST6 panel five weeks ahead (demo/panels.py), Dr Owen Price
is ready (this year's ESSR, multiple trainer report and MSF all signed by his educational supervisor) and Dr Samuel
Adeyemi nearly ready (all three in, the multiple trainer report waiting for sign-off), so the panel shows trainees of
every readiness colour beside those still missing items. Made through the sign-off services, so the readiness the
director sees is worked out, not typed in."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from trainee_portal import audit
from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, OutboxMessage, User
from trainee_portal.platform.clock import utcnow
from trainee_portal.signoff import services
from trainee_portal.summaries import progress

# email local part of the trainee, and the kinds of this year's reports left waiting for sign-off
TRAINEES = (("owen.price", ()), ("samuel.adeyemi", ("report.mtr",)))
# kind, title, notes, reflection, days before the demo's day
REPORTS = (
    (
        "report.essr",
        "ESSR for ST6",
        "",
        "This year I ran my own acute pain ward rounds and began the SIA. Next: complex inpatient opioid weaning.",
        6,
    ),
    (
        "report.mtr",
        "Multiple trainer report, acute pain placement",
        "Consultants of the inpatient pain service reviewed my work over the placement.",
        "",
        4,
    ),
    (
        "wba.msf",
        "Multi-source feedback, acute pain placement",
        "Twelve colleagues from the pain team, wards and theatres gave feedback; my supervisor went through it with me.",
        "",
        2,
    ),
)
FEEDBACK = {
    "report.essr": "A thoughtful report. Agreed plans for the SIA discussed at our meeting.",
    "report.mtr": "Consistent, safe practice reported by every trainer.",
    "wba.msf": "Satisfactory feedback across every staff group; communication singled out as a strength.",
}


def load(today: date) -> None:
    supervisor = by_email("supervisor")
    if supervisor is None:
        return
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:5000"
    started = utcnow()
    with current_app.test_request_context(base_url=base):
        for local, left_waiting in TRAINEES:
            trainee = by_email(local)
            if trainee is None or trainee.trainee_profile is None:
                continue
            code = _completed_code(trainee)
            if code is None:
                continue
            for kind, title, notes, reflection, days in REPORTS:
                entry = EvidenceEntry(
                    trainee_id=trainee.id,
                    evidence_type=kind,
                    stage_level=trainee.trainee_profile.current_stage,
                    occurred_on=today - timedelta(days=days),
                    title=title,
                    supervision_level=None,
                    notes=notes,
                    reflection=reflection,
                    status="draft",
                )
                _add(trainee, entry, code)
                request = services.request_signoff(trainee, entry, supervisor=supervisor)
                db.session.flush()
                if kind not in left_waiting:
                    services.sign(
                        request, level="na", feedback=FEEDBACK[kind], seen_hash=entry.compute_content_hash(), decider=supervisor
                    )
                    db.session.flush()
    _settle_outbox(supervisor, started)


def _completed_code(trainee: User) -> str | None:
    """A competency the trainee has signed evidence for in their current stage, so that claiming it again leaves the
    stage's progress as the demo intends."""
    signed = db.session.scalar(
        select(EvidenceEntry)
        .where(
            EvidenceEntry.trainee_id == trainee.id,
            EvidenceEntry.status == "signed",
            EvidenceEntry.stage_level == trainee.trainee_profile.current_stage,
        )
        .order_by(EvidenceEntry.id)
        .limit(1)
    )
    return signed.competency_codes[0] if signed is not None and signed.competency_codes else None


def _add(trainee: User, entry: EvidenceEntry, code: str) -> None:
    """Store one entry claiming `code`, audited and counted as the logbook's services do."""
    entry.competencies = [EvidenceCompetency(competency_code=code)]
    db.session.add(entry)
    db.session.flush()
    entry.content_hash = entry.compute_content_hash()
    audit.record(
        "evidence.created",
        entry,
        {"evidence_type": entry.evidence_type, "version": 1, "content_hash": entry.content_hash},
        actor=trainee,
    )
    progress.record_change(trainee.id, Counter(), progress.contribution(entry))


def _settle_outbox(supervisor: User, since) -> None:
    """The supervisor's emails about these requests count as delivered, as the other demo emails do."""
    now = utcnow()
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.created_at >= since)
    ):
        message.sent_at, message.attempts, message.next_attempt_at = now, 1, None
