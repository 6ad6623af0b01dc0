"""Demo logbook touch: a course certificate with a real PDF file for the demo trainee, to show uploads end to end, and
drafts of the 2021 kinds (a personal activity, an ESSR, an MDT meeting at supervision level "not applicable")."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from trainee_portal import audit
from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.logbook import attachments
from trainee_portal.models import EvidenceCompetency, EvidenceEntry
from trainee_portal.summaries import progress


def _certificate_pdf(title: str, on: date) -> bytes:
    from fpdf import FPDF  # only where used: test_worker_imports

    pdf = FPDF(format="A5", orientation="L")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 20)
    pdf.multi_cell(0, 12, "Certificate of attendance", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=13)
    pdf.multi_cell(0, 8, f"Dr Aisha Khan attended\n{title}\non {on:%d %B %Y} (6 CPD points).", align="C")
    return bytes(pdf.output())


def load(today: date) -> None:
    trainee = by_email("trainee")
    if trainee is None or trainee.trainee_profile is None:
        return
    # Claim a competency the demo trainee has already completed, so the stage statuses stay as the demo intends.
    signed = db.session.scalar(
        select(EvidenceEntry)
        .where(EvidenceEntry.trainee_id == trainee.id, EvidenceEntry.status == "signed", EvidenceEntry.stage_level == "higher")
        .order_by(EvidenceEntry.id)
        .limit(1)
    )
    if signed is None:
        return
    code = signed.competency_codes[0]
    on = today - timedelta(days=20)  # before the trainee's home demo sends it for sign-off, 18 days ago
    title = "Faculty of Pain Medicine study day: opioid stewardship"
    generated = f"demo-certificate-{trainee.id}.pdf"
    (attachments.upload_dir() / generated).write_bytes(_certificate_pdf(title, on))
    entry = EvidenceEntry(
        trainee_id=trainee.id,
        evidence_type="certificate",
        stage_level="higher",
        occurred_on=on,
        title=title,
        setting="teaching",
        hospital="Churchill House, London",
        notes="Sessions on tapering and shared decision-making.",
        attachment_name="FPM study day certificate.pdf",
        attachment_path=generated,
        attachment_mime="application/pdf",
        attachment_size=(attachments.upload_dir() / generated).stat().st_size,
        status="draft",
        attachment_sha256=attachments.file_sha256(attachments.upload_dir() / generated),
    )
    _add(trainee, entry, code)
    drafts = (
        ("activity.personal", None, "Regional acute pain teaching afternoon", "Attended: inpatient opioid stewardship.", ""),
        ("logbook.mdt", "na", "Spinal pain MDT", "Presented two patients for discussion.", ""),
        ("report.essr", None, "ESSR for this training year", "", "My progress this year and my plans for the SIA."),
    )
    # The first is sent for sign-off 6 days ago by the trainee's home demo: dated before that.
    for days, (kind, level, title, notes, reflection) in enumerate(drafts, start=7):
        draft = EvidenceEntry(
            trainee_id=trainee.id,
            evidence_type=kind,
            stage_level="higher",
            occurred_on=today - timedelta(days=days),
            title=title,
            supervision_level=level,
            notes=notes,
            reflection=reflection,
            status="draft",
        )
        _add(trainee, draft, code)


def _add(trainee, entry: EvidenceEntry, code: str) -> None:
    """Store one entry claiming `code`, audited and counted as the logbook's services do."""
    entry.competencies = [EvidenceCompetency(competency_code=code)]
    db.session.add(entry)
    db.session.flush()
    entry.content_hash = entry.compute_content_hash()
    audit.record(
        "evidence.created",
        entry,
        {
            "evidence_type": entry.evidence_type,
            "version": 1,
            "content_hash": entry.content_hash,
            **attachments.audit_fields(entry),
        },
        actor=trainee,
    )
    progress.record_change(trainee.id, Counter(), progress.contribution(entry))
