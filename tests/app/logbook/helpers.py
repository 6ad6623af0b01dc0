"""Set-up shared by the evidence tests: the form as the browser sends it, the codes it names and small valid files."""

from __future__ import annotations

import io
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


def certificate_form(file_name: str = "c.pdf", content: bytes = PDF_BYTES, **overrides) -> dict:
    """A certificate with its file attached, as the browser sends the evidence form."""
    return form_data(evidence_type="certificate", supervision_level="", attachment=(io.BytesIO(content), file_name), **overrides)


def post_certificate(client, file_name: str = "c.pdf", content: bytes = PDF_BYTES, url: str = "/logbook/new", **overrides):
    """Post a certificate through the real form; returns the response."""
    return client.post(url, data=certificate_form(file_name, content, **overrides), content_type="multipart/form-data")
