"""The header's navigation for each role: one list, each item shown when its policy rule allows and its page exists."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from trainee_portal import curricula, policy

# (label, endpoint, rule): feature packages add their pages here.
NAVIGATION = [
    ("Home", "home.index", policy.is_signed_in),
    ("Dashboard", "dashboard.index", policy.is_trainee),
    ("Stages", "stage_basic.index", lambda u: policy.is_trainee(u) or policy.can_pick_trainee(u)),
    ("Logbook", "logbook.index", policy.is_trainee),
    ("MSF", "msf.index", policy.can_use_msf),
    ("Exams", "exams.readiness", policy.is_trainee),
    ("Sign-off queue", "signoff.queue", policy.can_use_signoff_queue),
    ("Sign-off requests", "signoff.mine", policy.is_trainee),
    ("HALO requests", "halo.queue", policy.can_use_halo_queue),
    ("Cohort", "cohort.dashboard", policy.can_use_cohort_dashboard),
    ("ARCP outcomes", "arcp.mine", policy.can_view_own_arcp),
    ("ARCP panels", "panels.index", policy.can_use_panels),
    ("Exam pipeline", "exams.pipeline", policy.can_view_exam_pipeline),
    ("Local rules", "rules.index", policy.can_manage_rules),
    ("Administration", "admin.index", policy.can_administer),
]


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for label, endpoint, rule in NAVIGATION:
        if endpoint in current_app.view_functions and rule(current_user):
            href = url_for(endpoint)
            current = request.endpoint == endpoint or (
                request.blueprint and request.blueprint == endpoint.split(".")[0] and endpoint != "home.index"
            )
            if endpoint.startswith("stage_") and (request.blueprint or "").startswith("stage_"):
                current = True
            items.append({"text": label, "href": href, "active": bool(current)})
    return items


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation_context():
        return {"navigation_items": navigation_items, "policy": policy, "stage_name": curricula.stage_name}
