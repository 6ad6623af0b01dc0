"""GET /api/v1/me: who the token speaks for, the token itself, and for a trainee the basics of their training."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from trainee_portal import policy
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import Blueprint
from trainee_portal.api.schemas.me import MeSchema
from trainee_portal.platform.clock import uk_today
from trainee_portal.signoff import queries as signoff_queries

blp = Blueprint("api_me", __name__, description="The caller's own account and the token in use.")


def trainee_basics(user) -> dict | None:
    """Curriculum, stage and the supervisors the sign-off pages offer (no GMC number: it is not the API's to give)."""
    if not policy.is_trainee(user):
        return None
    profile = user.trainee_profile
    supervisors = signoff_queries.current_supervisors(user.id, uk_today())
    return {
        "curriculum_version": profile.curriculum_version,
        "current_stage": profile.current_stage,
        "supervisors": [{"id": s.id, "name": s.name, "kind": kind} for s, kind in supervisors],
    }


@blp.route("/me")
@requires_scope("read")
@blp.etag
@blp.response(200, MeSchema)
def me():
    """The calling account and token."""
    token = g.api_token
    return {
        "id": current_user.id,
        "name": current_user.name,
        "email": current_user.email,
        "roles": list(current_user.role_names),
        "token": {
            "name": token.name,
            "shown_part": token.shown_part,
            "scopes": list(token.scope_names),
            "expires_at": token.expires_at,
        },
        "trainee": trainee_basics(current_user),
    }
