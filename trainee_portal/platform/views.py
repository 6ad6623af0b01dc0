"""Which trainee's record a shared page shows: the trainee's own, or one a supervisor, director or admin picks."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile, User

PICKER_LIMIT = 500
MAX_ID = 2**31 - 1  # the largest database integer (PostgreSQL's integer); the <int:…> URL converter stops there too


def viewed_trainee() -> TraineeProfile | None:
    """The profile named by ?trainee=ID (checked by the policy), else the user's own, else None."""
    raw = request.args.get("trainee", "").strip()
    if raw:
        # "²".isdigit() is True; beyond the largest database integer is a 404, as an <int:…> URL part is
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) > MAX_ID:
            abort(404)
        trainee_id = int(raw)
        policy.authorize(policy.can_view_trainee(current_user, trainee_id))
        return load_or_404(TraineeProfile, trainee_id)
    if policy.is_trainee(current_user):
        policy.authorize(policy.can_view_trainee(current_user, current_user.id))
        return current_user.trainee_profile
    return None


def load_or_404(model, ident, *checks, options=()):
    """The `model` row with this primary key, else 404; then 403 unless each policy rule check(current_user, row)
    allows it, in order.

    A missing row is 404 before any rule is asked, as the rules need the row. A view whose rule takes a trainee id
    asks it first (policy.authorize(rule(current_user, trainee_id)), then load_or_404 without checks), so that a
    trainee who does not exist and one the caller may not see both answer 403 to the caller. Without checks the
    view's decision is made already: by @policy.requires, its blueprint's gate or such a rule."""
    row = db.session.get(model, ident, options=options)
    if row is None:
        abort(404)
    for check in checks:
        policy.authorize(check(current_user, row))
    return row


def trainee_choices(user) -> list[tuple[int, str]]:
    """(id, "Name – GMC 1234567") for every trainee this user may see, by name."""
    query = select(User.id, User.name, TraineeProfile.gmc_number).join(TraineeProfile, TraineeProfile.user_id == User.id)
    visible = policy.visible_trainee_ids(user)
    if visible is not None:
        query = query.where(User.id.in_(visible))
    rows = db.session.execute(query.order_by(User.name).limit(PICKER_LIMIT)).all()
    return [(r.id, f"{r.name} – GMC {r.gmc_number}") for r in rows]


def form_page(template: str, form, **context):
    """A page holding a form: 200 when it is first shown, 400 when a submitted form comes back with its errors."""
    return render_template(template, form=form, **context), 400 if request.method == "POST" else 200


def trainee_or_picker(template: str, **context):
    """(profile, None) for the trainee a shared page shows (?trainee=ID or the user's own), or (None, a page to pick
    one) for supervisors, directors and admins who named none."""
    profile = viewed_trainee()
    if profile is not None:
        return profile, None
    policy.authorize(policy.can_pick_trainee(current_user))
    return None, render_template(template, choices=trainee_choices(current_user), **context)
