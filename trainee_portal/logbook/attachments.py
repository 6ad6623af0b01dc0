"""Uploaded certificates: type checked by extension and magic bytes, size capped, stored under UPLOAD_DIR with generated names."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from competencies.identifiers import KIND_LABELS, find_identifiers
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry
from trainee_portal.platform.clock import uk_today

# extension -> (MIME type, the bytes every such file starts with)
KINDS = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}


@dataclass(frozen=True)
class StoredFile:
    name: str  # what the user called it
    path: str  # generated name inside UPLOAD_DIR
    mime: str
    size: int
    sha256: str | None = None  # of the bytes as stored; verify-audit checks the file still hashes to it


def _limit() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def _human(size: int) -> str:
    return f"{size / 1048576:.1f} MB".replace(".0 MB", " MB") if size >= 1048576 else f"{max(1, round(size / 1024))} KB"


def _extension(filename: str) -> str:
    return Path(filename.lower()).suffix


def name_problem(filename: str | None) -> str | None:
    """Why a file's name is refused: it holds a patient identifier (the name is shown and audited, so it is free text)."""
    stem = Path(Path(filename or "").name).stem.replace("_", " ")
    findings = find_identifiers(stem, today=uk_today())
    if not findings:
        return None
    parts = [f'"{f.text}" ({KIND_LABELS[f.kind].split(";")[0]})' for f in findings]
    words = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"Rename the file: remove {words} from its name. File names must not identify a patient."


def check_upload(storage) -> str | None:
    """Why this upload is refused, or None when it is a PDF, PNG or JPEG within the size limit."""
    extension = _extension(storage.filename or "")
    if extension not in KINDS:
        return "The file must be a PDF, PNG or JPEG (ending .pdf, .png, .jpg or .jpeg)"
    head = storage.stream.read(16)
    storage.stream.seek(0, 2)
    size = storage.stream.tell()
    storage.stream.seek(0)
    if size == 0:
        return "The file is empty: choose the certificate file again"
    if size > _limit():
        return f"The file is {_human(size)}: it must be at most {_human(_limit())}. Make it smaller (for example, scan at a lower resolution)"
    mime, magic = KINDS[extension]
    if not head.startswith(magic):
        return f"The file ends {extension} but is not really a {extension.lstrip('.').upper()} file: export it again as a PDF, PNG or JPEG"
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(storage) -> StoredFile:
    """Save a checked upload under a random name; the user's name is kept only as a label."""
    extension = _extension(storage.filename)
    generated = f"{secrets.token_hex(16)}{'.jpg' if extension == '.jpeg' else extension}"
    storage.stream.seek(0)
    storage.save(upload_dir() / generated)
    size = (upload_dir() / generated).stat().st_size
    original = Path(storage.filename).name[-200:] or f"certificate{extension}"
    return StoredFile(original, generated, KINDS[extension][0], size, file_sha256(upload_dir() / generated))


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def audit_fields(entry) -> dict:
    """What an evidence audit record keeps of the entry's file: its SHA-256, when it has a fingerprinted file."""
    return {"attachment_sha256": entry.attachment_sha256} if entry.attachment_sha256 else {}


def file_path(generated: str) -> Path | None:
    """The stored file for a generated name, refusing anything that is not one of ours."""
    if not generated or "/" in generated or "\\" in generated or generated.startswith("."):
        return None
    path = upload_dir() / generated
    return path if path.is_file() else None


def remove(generated: str | None) -> None:
    path = file_path(generated) if generated else None
    if path is not None:
        path.unlink(missing_ok=True)


@contextmanager
def stored_until_failure(storage) -> Iterator[StoredFile | None]:
    """Store a checked upload (None when no file was sent) for the block that saves it; if the block raises
    (a failed save, a lost database), the file is removed again, so no file outlives a save that did not happen."""
    stored = store(storage) if getattr(storage, "filename", "") else None
    try:
        yield stored
    except BaseException:
        if stored is not None and not _committed_anyway(stored.path):
            remove(stored.path)
        raise


def _committed_anyway(generated: str) -> bool:
    """Whether a row refers to the file after all (a commit can fail after the database kept it); True when the
    database cannot answer, so the file is kept and remove-orphan-uploads decides later."""
    try:
        db.session.rollback()
        return bool(
            db.session.scalar(select(func.count()).select_from(EvidenceEntry).where(EvidenceEntry.attachment_path == generated))
        )
    except Exception:  # noqa: BLE001 (a lost connection: keep the file)
        return True
