"""Uploaded files no evidence refers to: left by a crash between storing a file and saving its entry, or by
versions removed since. `flask --app wsgi remove-orphan-uploads` finds and removes them."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from trainee_portal.extensions import db
from trainee_portal.logbook.attachments import upload_dir
from trainee_portal.models import EvidenceEntry

GRACE_SECONDS = 3600  # an upload younger than this may belong to a save still in progress


def referenced_uploads() -> set[str]:
    """The file names (inside UPLOAD_DIR) that some evidence entry, of any version, refers to."""
    return set(db.session.scalars(select(EvidenceEntry.attachment_path).where(EvidenceEntry.attachment_path.is_not(None))))


def orphan_uploads(grace_seconds: float = GRACE_SECONDS) -> list[Path]:
    """Files in UPLOAD_DIR that no entry refers to and that were last changed more than grace_seconds ago."""
    referenced = referenced_uploads()
    cutoff = time.time() - grace_seconds
    return sorted(
        path
        for path in upload_dir().iterdir()
        if path.is_file() and path.name not in referenced and path.stat().st_mtime < cutoff
    )
