"""The printable portfolio (PDF, fpdf2) for the annual review: signed evidence by stage and competency."""

from __future__ import annotations

from datetime import date

from competencies import EVIDENCE_TYPES, supervision_label
from trainee_portal import audit
from trainee_portal.logbook import queries, vocab
from trainee_portal.platform.pdf import FONT_FAMILY, TABLE_HEADINGS, Document
from trainee_portal.signoff.labels import signature_label


def build(profile, curriculum, today: date) -> bytes:
    trainee = profile.user
    pdf = Document(f"Training portfolio – {trainee.name}")
    t = str
    pdf.set_font(FONT_FAMILY, "B", 18)
    pdf.multi_cell(0, 9, t(f"Training portfolio: {trainee.name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=10)
    for line in (
        f"GMC number {profile.gmc_number} · {curriculum.title} ({curriculum.version})",
        f"Current stage: {curriculum.stage_for_level(profile.current_stage, profile.sia_stage_key).name}, started {profile.stage_started_on:%d %B %Y}",
        f"Signed evidence only, current versions. Produced {today:%d %B %Y}.",
    ):
        pdf.multi_cell(0, 6, t(line), new_x="LMARGIN", new_y="NEXT")
    total = 0
    for stage, items in queries.signed_by_competency(profile.user_id, curriculum, profile.sia_stage_key):
        pdf.ln(4)
        pdf.set_font(FONT_FAMILY, "B", 14)
        pdf.multi_cell(0, 8, t(stage.name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=10)
        if not items:
            pdf.multi_cell(0, 6, t("No signed evidence for this stage yet."), new_x="LMARGIN", new_y="NEXT")
            continue
        for competency, entries in items:
            pdf.ln(2)
            pdf.set_font(FONT_FAMILY, "B", 11)
            pdf.multi_cell(0, 6, t(f"{competency.code} {competency.title}"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FONT_FAMILY, size=9)
            with pdf.table(
                col_widths=(20, 34, 62, 16, 48), line_height=5, text_align="LEFT", headings_style=TABLE_HEADINGS
            ) as table:
                table.row([t(h) for h in ("Date", "Type", "Title", "Level", "Signed by")])
                for entry, signatures in entries:
                    signers = "; ".join(f"{signature_label(s)}, {s.signed_at:%d/%m/%Y}" for s in signatures) or (
                        f"{entry.signed_at:%d/%m/%Y}" if entry.signed_at else ""
                    )
                    kind = (
                        EVIDENCE_TYPES[entry.evidence_type].label.split(" – ")[0]
                        if entry.evidence_type in EVIDENCE_TYPES
                        else entry.evidence_type
                    )
                    if entry.technique:
                        kind += f" ({vocab.label('technique', entry.technique)})"
                    table.row(
                        [
                            t(f"{entry.occurred_on:%d/%m/%Y}"),
                            t(kind),
                            t(entry.title),
                            t(supervision_label(entry.supervision_level) or "–"),
                            t(signers),
                        ]
                    )
                    total += 1
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.multi_cell(
        0,
        5,
        t(
            f"{total} signed evidence claim{'s' if total != 1 else ''} listed (an entry claiming several "
            "competencies is listed under each)."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    head = audit.take_checkpoint("export")  # the audit log's head, signed now: a later rewrite of it shows
    if head is not None:
        pdf.ln(3)
        pdf.set_font(FONT_FAMILY, size=7)
        pdf.multi_cell(
            0,
            3.5,
            t(
                f"Audit log head signed {head.signed_at:%d %B %Y %H:%M:%S} UTC: sequence {head.sequence}, "
                f"hash {head.last_hash}, key {head.key_id}, signature {head.signature}"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())
