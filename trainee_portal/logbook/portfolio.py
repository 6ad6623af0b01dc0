"""The printable portfolio (PDF) for the annual review: the whole record, issued with a verification code.

It holds the signed evidence by stage and competency (kind, technique, guidance, supervision level, and each signature
with who vouches for it), the stage sign-offs, the HALO requests with their status and decider, the exam attempts and
the ARCP outcomes. Each section is read with one query (the signatures with one more), never one per entry.

issue() issues it through verify.services.issue (kind "portfolio"): the code, the verify URL and its QR code on the
first page, the code in every footer, and the signed audit head it cites at the end. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from competencies import EVIDENCE_TYPES, GUIDANCE_MODES, supervision_label
from competencies.arcp import CATALOGUE
from competencies.calendar_days import uk_day
from trainee_portal import curricula
from trainee_portal.logbook import queries, vocab
from trainee_portal.platform.stamp import Stamp
from trainee_portal.signoff.labels import signature_label
from trainee_portal.verify import services as verify

if TYPE_CHECKING:
    from trainee_portal.platform.pdf import Document

HALO_STATUS = {"requested": "Awaiting decision", "signed": "Signed", "returned": "Returned", "withdrawn": "Withdrawn"}
EXAM_RESULT = {"pass": "Pass", "fail": "Fail"}


@dataclass(frozen=True)
class Record:
    """Everything the portfolio prints, read before the document is issued (what it covers is counted from it)."""

    profile: object
    curriculum: object
    evidence: list  # (stage, [(competency, [(entry, [signatures])])])
    stage_signoffs: list
    halo_requests: list
    exam_attempts: list
    arcp_outcomes: list

    @property
    def entries(self) -> dict:
        """Each signed entry listed once (an entry claiming several competencies is listed under each), with its signatures."""
        return {
            entry.id: (entry, signatures)
            for _stage, items in self.evidence
            for _competency, entries in items
            for entry, signatures in entries
        }


def gather(profile, curriculum) -> Record:
    trainee_id = profile.user_id
    return Record(
        profile=profile,
        curriculum=curriculum,
        evidence=queries.signed_by_competency(trainee_id, curriculum, profile.sia_stage_key),
        stage_signoffs=queries.stage_signoffs(trainee_id),
        halo_requests=queries.halo_requests(trainee_id),
        exam_attempts=queries.exam_attempts(trainee_id),
        arcp_outcomes=queries.arcp_outcomes(trainee_id),
    )


def covered(record: Record) -> dict:
    """What the document holds, as the audit log and the verify page state it."""
    entries = record.entries.values()
    days = sorted(entry.occurred_on for entry, _ in entries)
    return {
        "curriculum": f"{record.curriculum.title} ({record.curriculum.version})",
        "evidence_entries": len(days),
        "signatures": sum(len(signatures) for _, signatures in entries),
        "first_day": days[0].isoformat() if days else None,
        "last_day": days[-1].isoformat() if days else None,
        "stage_signoffs": len(record.stage_signoffs),
        "halo_requests": len(record.halo_requests),
        "exam_attempts": len(record.exam_attempts),
        "arcp_outcomes": len(record.arcp_outcomes),
    }


def issue(profile, curriculum, actor):
    """Gather the record, issue the PDF with a verification code; (DocumentExport, bytes). The caller commits."""
    record = gather(profile, curriculum)
    return verify.issue(
        kind="portfolio",
        trainee_id=profile.user_id,
        actor=actor,
        covered=covered(record),
        build=lambda stamp: build(record, stamp),
    )


def _stage_name(version: str, key: str) -> str:
    try:
        return curricula.curriculum(version).stage(key).name
    except KeyError:
        return key


def _kind(entry) -> str:
    kind = (
        EVIDENCE_TYPES[entry.evidence_type].label.split(" – ")[0]
        if entry.evidence_type in EVIDENCE_TYPES
        else entry.evidence_type
    )
    details = [vocab.label("technique", entry.technique)] if entry.technique else []
    if entry.guidance:
        details.append(f"{GUIDANCE_MODES.get(entry.guidance, entry.guidance)} guidance")
    return f"{kind} ({', '.join(details)})" if details else kind


def _trusted_domain(domains: tuple[str, ...], email: str | None) -> str | None:
    """The region's trusted domain an assessor's address falls under (else the address's own domain), computed here
    so the signature's label asks no query of its own."""
    domain = (email or "").strip().lower().rpartition("@")[2]
    return next((d for d in domains if domain and (domain == d or domain.endswith("." + d))), None) or domain or None


def build(record: Record, stamp: Stamp) -> bytes:
    profile, curriculum = record.profile, record.curriculum
    trainee = profile.user
    from trainee_portal.platform.pdf import stamped_document  # only where used: test_worker_imports

    pdf = stamped_document(f"Training portfolio – {trainee.name}", stamp, heading=f"Training portfolio: {trainee.name}")
    stage = curriculum.stage_for_level(profile.current_stage, profile.sia_stage_key)
    pdf.key_values(
        [
            ("GMC number", profile.gmc_number),
            ("Curriculum", f"{curriculum.title} ({curriculum.version})"),
            ("Current stage", f"{stage.name}, started {profile.stage_started_on:%d %B %Y}"),
            ("Programme start", f"{profile.programme_start:%d %B %Y}"),
            ("Region", profile.region.name if profile.region else None),
            ("Produced", f"{stamp.produced_at:%d %B %Y %H:%M} UTC"),
        ]
    )
    _evidence(pdf, record)
    _stage_signoffs(pdf, record)
    _halos(pdf, record)
    _exams(pdf, record)
    _arcp(pdf, record)
    return pdf.finish()


def _evidence(pdf: Document, record: Record) -> None:
    pdf.heading("Signed evidence", 2)
    pdf.small(
        "Current versions of signed entries, by stage and competency (an entry claiming several competencies is listed "
        "under each), with the supervision level and who vouches for each signature."
    )
    region = record.profile.region
    domains = region.trusted_domains if region is not None else ()
    for stage, items in record.evidence:
        pdf.heading(stage.name, 3)
        if not items:
            pdf.paragraph("No signed evidence for this stage yet.", size=9)
            continue
        for competency, entries in items:
            pdf.paragraph(f"{competency.code} {competency.title}", size=9, style="B")
            rows = []
            for entry, signatures in entries:
                signers = "; ".join(
                    f"{signature_label(s, _trusted_domain(domains, s.assessor_email))}, {uk_day(s.signed_at):%d/%m/%Y}"
                    for s in signatures
                ) or (f"{uk_day(entry.signed_at):%d/%m/%Y}" if entry.signed_at else "")
                rows.append(
                    (
                        f"{entry.occurred_on:%d/%m/%Y}",
                        _kind(entry),
                        entry.title,
                        supervision_label(entry.supervision_level) or None,
                        signers,
                    )
                )
            pdf.data_table(("Date", "Kind", "Title", "Level", "Signatures"), rows, (20, 38, 50, 16, 56))
    count = len(record.entries)
    pdf.small(f"{count} signed evidence entr{'ies' if count != 1 else 'y'}.")


def _stage_signoffs(pdf: Document, record: Record) -> None:
    pdf.heading("Stage sign-offs", 2)
    if not record.stage_signoffs:
        pdf.paragraph("No stage has been signed off yet.", size=9)
        return
    pdf.data_table(
        ("Stage", "Signed on", "Signed by", "Comment"),
        [
            (
                _stage_name(s.curriculum_version, s.stage_key),
                f"{s.signed_on:%d/%m/%Y}",
                s.signed_by.name if s.signed_by else None,
                s.comment or None,
            )
            for s in record.stage_signoffs
        ],
        (50, 22, 40, 68),
    )


def _halos(pdf: Document, record: Record) -> None:
    pdf.heading("HALO requests", 2)
    if not record.halo_requests:
        pdf.paragraph("No HALO has been requested yet.", size=9)
        return
    pdf.data_table(
        ("Stage", "Requested", "Status", "Decided by", "Decided on"),
        [
            (
                _stage_name(h.curriculum_version, h.stage_key),
                f"{uk_day(h.created_at):%d/%m/%Y}",
                HALO_STATUS.get(h.status, h.status),
                h.decided_by.name if h.decided_by else None,
                f"{uk_day(h.decided_at):%d/%m/%Y}" if h.decided_at else None,
            )
            for h in record.halo_requests
        ],
        (56, 24, 32, 44, 24),
    )


def _exams(pdf: Document, record: Record) -> None:
    pdf.heading("Exam attempts", 2)
    if not record.exam_attempts:
        pdf.paragraph("No exam attempt recorded.", size=9)
        return
    pdf.data_table(
        ("Part", "Sitting", "Result", "Score"),
        [
            (
                a.sitting.part,
                f"{a.sitting.sits_on:%d/%m/%Y}",
                EXAM_RESULT.get(a.result, a.result),
                f"{a.score:g}" if a.score is not None else None,
            )
            for a in record.exam_attempts
        ],
        (30, 40, 40, 70),
    )


def _arcp(pdf: Document, record: Record) -> None:
    pdf.heading("ARCP outcomes", 2)
    if not record.arcp_outcomes:
        pdf.paragraph("No ARCP outcome recorded.", size=9)
        return
    pdf.data_table(
        ("Training year", "Panel date", "Outcome"),
        [
            (o.training_year, f"{o.panel_date:%d/%m/%Y}", f"{o.outcome}: {CATALOGUE.meaning(o.outcome)}")
            for o in record.arcp_outcomes
        ],
        (30, 30, 120),
    )
