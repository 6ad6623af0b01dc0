"""Draft routes, /drafts/…: a form's script saves what is typed (JSON in, JSON out), and the form page's "Discard"
deletes the draft. Restoring is the form page's own (?restore=1, through services.restore_into)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest

from competencies import drafts as rules
from trainee_portal import policy
from trainee_portal.drafts import queries, services
from trainee_portal.drafts.blueprint import bp
from trainee_portal.drafts.forms import DiscardForm
from trainee_portal.extensions import db, limiter
from trainee_portal.platform.hardening import accepts_json, note_activity


@bp.app_context_processor
def draft_helpers():
    return {
        "draft_attributes": draft_attributes,
        "draft_offer": lambda: g.get("form_draft_offer"),
        "draft_discard_form": DiscardForm,
    }


def draft_attributes() -> Markup:
    """The attributes a form opts in with: its draft key and where its script saves (nothing when the route set none)."""
    key = g.get("form_draft_key")
    if not key:
        return Markup("")
    return Markup(' data-draft-key="{}" data-draft-url="{}"').format(escape(key), url_for("drafts.save", form_key=key))


def _allowed_key(form_key: str) -> rules.DraftKey:
    """The parsed key, after the policy: a key of no known shape is 400; one naming a record the user may not fill
    in now (someone else's, or none) is 404, the same answer whether or not the record exists."""
    key = rules.parse_key(form_key)
    if key is None:
        raise BadRequest("This is not a form that keeps drafts.")
    record = queries.record_for(key, current_user)
    policy.authorize_or_hide(policy.can_keep_form_draft(current_user, key.kind, record))
    return key


def _per_user() -> str:
    """Drafts are limited per person, not per address: a ward's computers may share one."""
    return f"user:{current_user.get_id()}"


@bp.route("/<form_key>", methods=["POST"])
@accepts_json
@limiter.limit(
    lambda: current_app.config["DRAFT_SAVE_RATE_LIMIT"],
    key_func=_per_user,
    error_message="Too many draft saves. Wait a minute: what you type stays in the page.",
)
def save(form_key: str):
    _allowed_key(form_key)
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict) or "fields" not in body:
        return {"error": "Nothing to save", "detail": 'Send JSON: {"fields": {name: text}}.'}, 400
    try:
        row = services.save(current_user, form_key, body["fields"])
    except rules.DraftError as error:
        return {"error": "Draft not saved", "detail": str(error)}, 413 if error.too_large else 400
    db.session.commit()
    return {"saved_at": row.updated_at.isoformat() + "Z", "seconds_left": note_activity()}


def _back(target: str | None) -> str:
    """Only a path on this site (the form page the draft belongs to); anything else goes home. A backslash is refused:
    browsers read "/\\host" as "//host"."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("home.index")
    return target


@bp.route("/<form_key>/discard", methods=["POST"])
def discard(form_key: str):
    _allowed_key(form_key)
    form = DiscardForm()
    if not form.validate_on_submit():
        abort(400)
    if services.discard(current_user, form_key):
        db.session.commit()
        flash("Discarded your unsaved changes.", "success")
    else:
        flash("There were no unsaved changes to discard.", "info")
    return redirect(_back(form.next.data))
