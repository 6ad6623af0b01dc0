"""Reads for form drafts: one person's draft of one form, and the record a draft's key names."""

from __future__ import annotations

from sqlalchemy import select

from competencies import halo
from competencies.drafts import DraftKey
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, FormDraft, HaloRequest, SignOffRequest

RECORD_MODELS = {"evidence-edit": EvidenceEntry, "signoff": SignOffRequest, "halo-decide": HaloRequest}


def draft(user_id: int, form_key: str) -> FormDraft | None:
    """This person's draft of this form; nobody else's is ever read."""
    return db.session.scalar(select(FormDraft).where(FormDraft.user_id == user_id, FormDraft.form_key == form_key))


def record_for(key: DraftKey, user):
    """The record the key names (an evidence entry, a sign-off or HALO request, the user's own stage whose HALO they
    would ask for), None when it names none or nothing."""
    if key.kind == "halo-ask":
        return _halo_stage(user, key.argument)
    model = RECORD_MODELS.get(key.kind)
    if model is None or key.record_id is None or key.record_id > 2**31 - 1:
        return None
    return db.session.get(model, key.record_id)


def _halo_stage(user, stage_key: str):
    """A stage the user follows that closes by a HALO, so a key can name no other (nor pile up drafts of none)."""
    profile = getattr(user, "trainee_profile", None)
    if profile is None:
        return None
    curriculum = curricula.curriculum(profile.curriculum_version)
    if not halo.closes_by_halo(curriculum):
        return None
    return next((s for s in curriculum.followed_stages(profile.sia_stage_key) if s.key == stage_key), None)
