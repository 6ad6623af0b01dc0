"""Reads for form drafts: one person's draft of one form, and the record a draft's key names."""

from __future__ import annotations

from sqlalchemy import select

from competencies.drafts import DraftKey
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, FormDraft, HaloRequest, SignOffRequest

RECORD_MODELS = {"evidence-edit": EvidenceEntry, "signoff": SignOffRequest, "halo-decide": HaloRequest}


def draft(user_id: int, form_key: str) -> FormDraft | None:
    """This person's draft of this form; nobody else's is ever read."""
    return db.session.scalar(select(FormDraft).where(FormDraft.user_id == user_id, FormDraft.form_key == form_key))


def record_for(key: DraftKey):
    """The record the key names (an evidence entry, a sign-off or HALO request), None when it names none or nothing."""
    model = RECORD_MODELS.get(key.kind)
    if model is None or key.record_id is None or key.record_id > 2**31 - 1:
        return None
    return db.session.get(model, key.record_id)
