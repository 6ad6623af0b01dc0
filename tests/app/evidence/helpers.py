"""Set-up shared by the evidence tests: the form as the browser sends it, the codes it names and small valid files."""

from __future__ import annotations

from datetime import timedelta

from tests.support import clock

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
