"""Set-up shared by the logbook and dashboard tests: evidence rows, signed entries and small valid files."""

from __future__ import annotations

from datetime import date, timedelta

from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, SignOff, SignOffRequest, User
from trainee_portal.summaries import progress

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CLINIC = "S3_PM_01"  # 2021 Stage 3: 6 clinics at 2b or above, and an A-CEX
PROCEDURES = "S3_PM_03"  # 5 logged procedures and a DOPS


def form_data(**overrides) -> dict:
    """A valid clinic entry as the browser would send it."""
    data = {
        "evidence_type": "logbook.clinic",
        "occurred_on": (clock.today() - timedelta(days=2)).isoformat(),
        "title": "New patient pain clinic",
        "setting": "outpatient",
        "hospital": "St Thomas' Hospital",
        "supervision_level": "2b",
        "technique": "",
        "guidance": "",
        "competencies": [CLINIC],
        "notes": "Assessed a new referral with chronic low back pain.",
        "reflection": "",
        "row_version": "1",
    }
    data.update(overrides)
    return data


def add_entry(
    trainee: User,
    status: str = "draft",
    evidence_type: str = "logbook.clinic",
    codes=(CLINIC,),
    title: str = "Pain clinic",
    occurred_on: date | None = None,
    level: str | None = "2b",
    **fields,
) -> EvidenceEntry:
    entry = EvidenceEntry(
        trainee_id=trainee.id,
        evidence_type=evidence_type,
        stage_level=fields.pop("stage_level", "higher"),
        occurred_on=occurred_on or clock.today() - timedelta(days=5),
        title=title,
        supervision_level=level,
        status=status,
        **fields,
    )
    entry.competencies = [EvidenceCompetency(competency_code=code) for code in codes]
    db.session.add(entry)
    db.session.flush()
    entry.content_hash = entry.compute_content_hash()
    progress.record_change(trainee.id, progress.contribution(None), progress.contribution(entry))
    db.session.commit()
    return entry


def sign(entry: EvidenceEntry, supervisor: User) -> SignOff:
    """Record a decided request and signature the way the sign-off feature does."""
    before = progress.contribution(entry)
    request = SignOffRequest(
        evidence_id=entry.id,
        requested_by_id=entry.trainee_id,
        supervisor_id=supervisor.id,
        status="signed",
        decided_by_id=supervisor.id,
    )
    db.session.add(request)
    db.session.flush()
    entry.status = "signed"
    signoff = SignOff(
        evidence_id=entry.id,
        request_id=request.id,
        signer_id=supervisor.id,
        supervision_level=entry.supervision_level or "2b",
        content_hash=entry.content_hash,
        feedback="Good",
    )
    db.session.add(signoff)
    db.session.flush()
    progress.record_change(entry.trainee_id, before, progress.contribution(entry))
    db.session.commit()
    return signoff
