"""The panel pack as a PDF: every item as it stood at the cut-off, issued with a verification code (verify.services)."""

from __future__ import annotations

from competencies.calendar_days import uk_day

READINESS = {"red": "Red", "amber": "Amber", "green": "Green"}


def covered(pack, document: dict) -> dict:
    """What the PDF holds, as the verify page states it."""
    panel = document["panel"]
    return {
        "panel_date": panel["panel_date"],
        "training_year": panel["training_year"],
        "cutoff_date": panel["cutoff_date"],
        "pack_sha256": pack.items_sha256,
        "evidence": len(document["evidence"]),
        "halos": len(document["halos"]),
        "stage_signoffs": len(document["stage_signoffs"]),
        "exam_attempts": len(document["exams"]),
        "arcp_outcomes": len(document["arcp_outcomes"]),
    }


def build(pack, document: dict, outcomes, meaning):
    """A builder for verify.services.issue: the pack's PDF with the stamp it is given."""
    trainee, panel = document["trainee"], document["panel"]

    def render(stamp) -> bytes:
        from trainee_portal.platform.pdf import Document  # only where used: test_worker_imports

        pdf = Document(f"ARCP panel pack – {trainee['name']}", produced_at=stamp.produced_at)
        pdf.heading(f"ARCP panel pack: {trainee['name']}", 1)
        pdf.stamp(stamp)
        pdf.key_values(
            [
                ("GMC number", trainee["gmc_number"]),
                ("Curriculum", trainee["curriculum_version"]),
                ("Training year reviewed", panel["training_year"]),
                ("Panel date", panel["panel_date"]),
                ("Evidence cut-off", f"{panel['cutoff_date']} (the end of that day in the UK)"),
                ("Frozen", f"{pack.frozen_at:%d %B %Y %H:%M} UTC"),
                ("Readiness at the cut-off", READINESS.get(pack.readiness, pack.readiness)),
                ("Pack fingerprint (SHA-256)", pack.items_sha256),
            ]
        )
        for reason in (document.get("readiness", {}).get("detail") or {}).get("reasons") or []:
            pdf.small(f"• {reason if isinstance(reason, str) else reason.get('text', '')}")
        pdf.heading("Outcome recorded against this pack")
        if outcomes:
            for o in outcomes:
                pdf.paragraph(
                    f"{o.training_year}: outcome {o.outcome} – {meaning(o.outcome)} (recorded {uk_day(o.created_at):%d %B %Y})."
                )
                if o.notes:
                    pdf.small(o.notes)
        else:
            pdf.paragraph("None yet.")
        pdf.heading(f"Evidence at the cut-off ({len(document['evidence'])})")
        pdf.small(
            "Entries signed or awaiting sign-off at the end of the cut-off day, with the content fingerprint each had then."
        )
        pdf.data_table(
            ("Date", "Kind", "Title", "Supervision", "Standing", "Signatures"),
            [
                (
                    item["occurred_on"],
                    item["kind_label"] + (f" ({item['guidance']})" if item["guidance"] else ""),
                    item["title"] + (" (edited since the cut-off)" if item["edited_after_cutoff"] else ""),
                    item["supervision"] or "–",
                    item["status"],
                    "; ".join(
                        f"{s['by']}, {s['signed_at'][:10]}" + ("" if s["counted"] else " (did not count then)")
                        for s in item["signatures"]
                    )
                    or "–",
                )
                for item in document["evidence"]
            ],
            col_widths=(18, 30, 40, 18, 20, 54),
        )
        pdf.heading("HALOs")
        pdf.data_table(
            ("Stage", "Requested", "Standing at the cut-off", "Decided by"),
            [(h["stage"], h["requested_at"][:10], h["status"], h["decided_by"] or "–") for h in document["halos"]]
            or [("None requested by the cut-off", "", "", "")],
            col_widths=(60, 30, 45, 45),
        )
        pdf.heading("Stage sign-offs")
        pdf.data_table(
            ("Stage", "Signed on", "Signed by"),
            [(s["stage"], s["signed_on"], s["signed_by"]) for s in document["stage_signoffs"]]
            or [("None by the cut-off", "", "")],
            col_widths=(80, 40, 60),
        )
        pdf.heading("FFPMRCA attempts")
        pdf.data_table(
            ("Part", "Sitting", "Result"),
            [(e["part"], e["sits_on"], e["result"]) for e in document["exams"]] or [("None by the cut-off", "", "")],
            col_widths=(40, 60, 80),
        )
        pdf.heading("Earlier ARCP outcomes")
        pdf.data_table(
            ("Training year", "Panel date", "Outcome"),
            [(o["training_year"], o["panel_date"], f"{o['outcome']} – {o['meaning']}") for o in document["arcp_outcomes"]]
            or [("None", "", "")],
            col_widths=(40, 40, 100),
        )
        return pdf.finish()

    return render
