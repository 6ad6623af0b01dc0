"""What an issued document prints to be checked (its Stamp), apart from the PDF builder (platform/pdf.py) so the code
that issues and verifies documents does not load fpdf2 in every worker: only a request that builds a PDF does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Stamp:
    """What a document prints to be checked: its code, the verify page's URL, when it was produced (UTC) and the
    signed audit head it cites (an AuditCheckpoint: sequence, last_hash, key_id, signature, signed_at), which covers
    the audit record of its own issue (issue_sequence)."""

    code: str
    url: str
    produced_at: datetime
    checkpoint: Any
    issue_sequence: int
