"""Uploads waiting for their mapping: an LLP export or another spreadsheet is kept in instance/imports/ between its
upload and the trainee's "Import" on the mapping page, under a name holding its owner's id and a random token, and
removed once imported or after a day."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass

from trainee_portal.imports.services import upload_dir

KEPT_SECONDS = 24 * 3600  # the programme's own: a mapping left for a day is started again from the upload
TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Pending:
    data: bytes
    filename: str
    source_format: str


def _paths(user_id: int, token: str):
    base = upload_dir() / f"pending-{user_id}-{token}"
    return base.with_suffix(".upload"), base.with_suffix(".json")


def keep(user_id: int, data: bytes, filename: str, source_format: str) -> str:
    _forget_old()
    token = secrets.token_hex(16)
    upload, about = _paths(user_id, token)
    upload.write_bytes(data)
    about.write_text(json.dumps({"filename": filename[-200:], "format": source_format}))
    return token


def load(user_id: int, token: str) -> Pending | None:
    """The user's own upload under this token, or None (another user's token finds nothing: the name holds the id)."""
    if not TOKEN.fullmatch(token):
        return None
    upload, about = _paths(user_id, token)
    if not upload.is_file() or not about.is_file():
        return None
    meta = json.loads(about.read_text())
    return Pending(upload.read_bytes(), meta["filename"], meta["format"])


def forget(user_id: int, token: str) -> None:
    for path in _paths(user_id, token):
        path.unlink(missing_ok=True)


def _forget_old() -> None:
    before = time.time() - KEPT_SECONDS
    for path in upload_dir().glob("pending-*"):
        if path.stat().st_mtime < before:
            path.unlink(missing_ok=True)
