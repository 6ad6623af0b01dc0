"""Each user's in-app notifications: the outbox rows addressed to them, newest first, with unread ones marked."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select, update

from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage
from trainee_portal.notifications.blueprint import bp
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.views import load_or_404

LIST_LIMIT = 100


class MarkReadForm(PortalForm):
    """Only the CSRF token."""


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.user_id == user.id, OutboxMessage.read_at.is_(None))
        )
        or 0
    )


@bp.app_context_processor
def notification_helpers():
    return {"unread_notification_count": lambda: unread_count(current_user)}


@bp.route("/")
@policy.requires(policy.is_signed_in)
def index():
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.user_id == current_user.id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    return render_template(
        "notifications/index.html",
        messages=messages,
        unread=unread_count(current_user),
        form=MarkReadForm(),
        page_title="Notifications",
    )


@bp.route("/<int:message_id>/read", methods=["POST"])
def mark_read(message_id: int):
    message = load_or_404(OutboxMessage, message_id, policy.can_read_notification)
    if not MarkReadForm().validate_on_submit():
        abort(400)
    if message.read_at is None:
        message.read_at = utcnow()
        db.session.commit()
    if message.link and message.link.startswith("/") and not message.link.startswith("//"):
        return redirect(message.link)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@policy.requires(policy.is_signed_in)
def mark_all_read():
    if not MarkReadForm().validate_on_submit():
        abort(400)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == current_user.id, OutboxMessage.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    flash(f"Marked {result.rowcount} notification{'' if result.rowcount == 1 else 's'} as read.", "success")
    return redirect(url_for("notifications.index"))
