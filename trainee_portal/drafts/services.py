"""Writes for form drafts and the one helper each form route calls.

Saving a draft is not audited (it happens as someone types and holds nothing decided); discarding one and the purge
are. A draft belongs to its author alone: every read and write here names the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from wtforms import FileField, HiddenField, PasswordField, SubmitField

from competencies import drafts as rules
from trainee_portal import audit
from trainee_portal.drafts import queries
from trainee_portal.extensions import db
from trainee_portal.models import FormDraft
from trainee_portal.platform.clock import uk_time, utcnow

# Never kept in a draft: the CSRF token, what ties a form to the version it was shown (row_version, seen_hash: a draft
# must never carry an old one forward), and which button was pressed.
NOT_KEPT = frozenset({"csrf_token", "row_version", "seen_hash", "then", "next"})
RESTORE_ARGUMENT = "restore"
# The keys of the drafts this browser session saved or was shown (newest last, at most KEPT_KEYS): saving the real form
# deletes its draft only when its key is here, so a save with no draft behind it sends no DELETE. A draft saved from
# another session is shown, and so marked, when this one opens the form.
SESSION_KEYS = "form_drafts"
KEPT_KEYS = 20


@dataclass(frozen=True)
class DraftOffer:
    """What the form page says about a draft: when it was saved, and whether the form now holds it."""

    key: str
    saved_at: datetime
    restored: bool
    restore_url: str  # this page again with ?restore=1: a plain link, so restoring needs no script
    page_url: str  # this page without it: where "Discard" comes back to

    @property
    def saved_at_text(self) -> str:
        local = uk_time(self.saved_at)
        return f"{local:%-I:%M%p}".lower() + f" on {local:%-d %B %Y}"


def save(user, key: str, fields: object) -> FormDraft:
    """Keep what was typed as this user's draft of this form (one row per user and form). Raises DraftError."""
    payload = rules.encode(rules.clean_payload(fields, NOT_KEPT))
    row = queries.draft(user.id, key)
    if row is None:
        row = FormDraft(user_id=user.id, form_key=key, payload=payload, updated_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # the same form saved at the same moment from another tab: keep the later text
            row = queries.draft(user.id, key)
    row.payload, row.updated_at = payload, utcnow()
    _mark(key)
    return row


def _mark(key: str) -> None:
    """Note in the session that a draft of this form may exist."""
    if not has_request_context():
        return
    keys = [k for k in session.get(SESSION_KEYS, ()) if k != key]
    session[SESSION_KEYS] = [*keys, key][-KEPT_KEYS:]


def _marked(key: str) -> bool:
    """Whether a draft of this form may exist for this session's user (always, outside a request)."""
    return not has_request_context() or key in session.get(SESSION_KEYS, ())


def discard(user, key: str) -> bool:
    """Delete this user's draft of this form, audited (which form, never its text); False when there was none."""
    row = queries.draft(user.id, key)
    if row is None:
        return False
    audit.append(
        "form_draft.discarded",
        subject_type="form_draft",
        subject_id=row.id,
        payload={"form_key": key, "saved_at": row.updated_at.isoformat()},
        actor=user,
    )
    db.session.delete(row)
    return True


def forget(user, key: str) -> None:
    """The real form was saved: its draft has served (called in the save's own transaction). Nothing is sent when
    this session never saved nor was shown a draft of the form."""
    if not _marked(key):
        return
    db.session.execute(delete(FormDraft).where(FormDraft.user_id == user.id, FormDraft.form_key == key))
    if has_request_context():
        session[SESSION_KEYS] = [k for k in session.get(SESSION_KEYS, ()) if k != key]


def purge(now: datetime | None = None) -> int:
    """Delete drafts untouched for longer than the rule keeps them; one audit record for the run, with the count."""
    cutoff = (now or utcnow()) - timedelta(days=rules.KEEP_DAYS.value)
    ids = list(db.session.scalars(select(FormDraft.id).where(FormDraft.updated_at < cutoff)))
    if not ids:
        return 0
    db.session.execute(delete(FormDraft).where(FormDraft.id.in_(ids)))
    audit.append(
        "form_draft.purged",
        subject_type="form_draft",
        subject_id=None,
        payload={"count": len(ids), "older_than": cutoff.isoformat(), "rule": rules.KEEP_DAYS.provenance},
    )
    return len(ids)


# --- the helper form routes call ----------------------------------------------------------------


def _restorable(field) -> bool:
    return not isinstance(field, HiddenField | FileField | PasswordField | SubmitField) and field.name not in NOT_KEPT


def restore_into(form, key: str, *, changed_at: datetime | None = None) -> DraftOffer | None:
    """Let the form page keep a draft under `key` and, on a GET, offer the user's draft back when it is newer than
    the record (`changed_at`): with ?restore=1 the form is filled from it. Returns the offer (also kept for the page)."""
    g.form_draft_key = key
    g.form_draft_offer = None
    if request.method != "GET" or not current_user.is_authenticated:
        return None
    row = queries.draft(current_user.id, key)
    if row is not None:
        _mark(key)  # saved elsewhere, perhaps on another device: saving this form deletes it too
    if row is None or (changed_at is not None and row.updated_at <= changed_at):
        return None
    restored = request.args.get(RESTORE_ARGUMENT) == "1"
    if restored:
        fill(form, rules.decode(row.payload))
    others = [(name, value) for name, value in request.args.items(multi=True) if name != RESTORE_ARGUMENT]
    page_url = request.path + ("?" + urlencode(others) if others else "")
    restore_url = request.path + "?" + urlencode([*others, (RESTORE_ARGUMENT, "1")])
    g.form_draft_offer = DraftOffer(key, row.updated_at, restored, restore_url, page_url)
    return g.form_draft_offer


def fill(form, payload: dict) -> None:
    """Put the draft's values into the form's visible fields, as if they had been typed (hidden, file and password
    fields keep what the page gave them)."""
    formdata = MultiDict()
    for name, value in payload.items():
        for each in value if isinstance(value, list) else [value]:
            if isinstance(each, str):
                formdata.add(name, each)
    for field in form:
        names = getattr(field, "input_names", (field.name,))  # a date: its Day, Month and Year boxes
        if any(name in payload for name in names) and _restorable(field):
            field.process(formdata)
