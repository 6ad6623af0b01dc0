"""Sign-off requests waiting on supervisors, for a training director: every request from the trainees they may see that
waits on a supervisor, oldest first, or one supervisor's (the director's home links each supervisor here)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from competencies import flags
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, SignOffRequest, User
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.platform.pagination import paginate_rows
from trainee_portal.signoff.blueprint import bp

PER_PAGE = 50


def waiting_requests(user):
    """SQL conditions: sign-off requests waiting on a supervisor (not an outside assessor) from a trainee this user may
    see. Only an entry's owner asks for its sign-off, so the requester is the trainee (as the cohort dashboard counts)."""
    conditions = [SignOffRequest.status == "pending", SignOffRequest.supervisor_id.is_not(None)]
    visible = policy.visible_trainee_ids(user)
    if visible is not None:
        conditions.append(SignOffRequest.requested_by_id.in_(visible))
    return conditions


def _supervisor_filter() -> User | None:
    """The supervisor ?supervisor=ID names; None without one; 404 for an id that is no supervisor's, or a supervisor
    of no trainee the user may see (whose name is not theirs to learn)."""
    raw = (request.args.get("supervisor") or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        abort(404)
    supervisor = db.session.get(User, int(raw))
    if supervisor is None or not policy.can_view_supervisor_waits(current_user, supervisor):
        abort(404)
    return supervisor


@bp.route("/waiting")
@policy.requires(policy.can_view_waiting_signoffs)
def waiting():
    supervisor = _supervisor_filter()
    conditions = waiting_requests(current_user)
    if supervisor is not None:
        conditions.append(SignOffRequest.supervisor_id == supervisor.id)
    total = db.session.scalar(select(func.count(SignOffRequest.id)).where(*conditions)) or 0
    trainee, asked = User.__table__.alias("trainee"), User.__table__.alias("asked")
    query = (
        select(
            SignOffRequest.id,
            SignOffRequest.created_at,
            EvidenceEntry.title,
            EvidenceEntry.evidence_type,
            trainee.c.id.label("trainee_id"),
            trainee.c.name.label("trainee_name"),
            asked.c.id.label("supervisor_id"),
            asked.c.name.label("supervisor_name"),
        )
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .join(trainee, trainee.c.id == SignOffRequest.requested_by_id)
        .join(asked, asked.c.id == SignOffRequest.supervisor_id)
        .where(*conditions)
        .order_by(SignOffRequest.created_at, SignOffRequest.id)
    )
    page = paginate_rows(query, PER_PAGE, total)
    today = uk_today()
    return render_template(
        "signoff/waiting.html",
        page=page,
        supervisor=supervisor,
        today=today,
        overdue_before=flags.signoff_overdue_cutoff(utcnow()),
        wait_rule=flags.SIGNOFF_WAIT_DAYS,
        page_title=f"Sign-off requests waiting on {supervisor.name}" if supervisor else "Sign-off requests waiting",
    )
