"""The cohort and the ARCP panels' readiness: GET /api/v1/cohort, /api/v1/arcp/panels and
/api/v1/arcp/panels/{panel_id}/readiness.

The same queries as the cohort dashboard (cohort.queries, cohort.charts) and the panel pages (panels.queries, over
the readiness read model), so every count equals the page's; rows come in cursor pages in name order."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from competencies.flags import FLAG_TITLES
from competencies.readiness import COLOUR_LABELS, COLOURS
from trainee_portal import policy
from trainee_portal.api import keyset
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import Blueprint
from trainee_portal.api.schemas.cohort import (
    CohortArgsSchema,
    CohortSchema,
    PanelReadinessSchema,
    PanelsSchema,
    ReadinessArgsSchema,
)
from trainee_portal.cohort import charts
from trainee_portal.cohort import queries as cohort_queries
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, TraineeProfile, User
from trainee_portal.panels import queries as panel_queries
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.views import load_or_404

blp = Blueprint("api_cohort", __name__, description="The cohort a director oversees and their ARCP panels' readiness.")


def _row(row) -> dict:
    return {
        "trainee_id": row.trainee_id,
        "name": row.name,
        "gmc_number": row.gmc_number,
        "region": row.region,
        "cohort": row.cohort,
        "curriculum_version": row.curriculum_version,
        "stage_level": row.stage_level,
        "stage_name": row.stage_name,
        "stage_started_on": row.stage_started_on,
        "percent": row.percent,
        "expected": row.expected,
        "competencies_complete": row.competencies_complete,
        "competencies_total": row.competencies_total,
        "stage_complete": row.stage_complete,
        "last_activity_at": row.last_activity_at,
        "pending": row.pending,
        "overdue": row.overdue,
        "exams": row.exams,
        "flags": list(row.flags),
    }


@blp.route("/cohort")
@requires_scope("cohort:read", policy.can_use_cohort_dashboard)
@blp.etag
@blp.arguments(CohortArgsSchema, location="query", unknown=ma.RAISE)
@blp.response(200, CohortSchema)
def cohort(args):
    """The cohort dashboard's summary for the caller's scope (trainees per stage and per flag, the dashboard's own
    counts) and the trainees' rows in name order, a page at a time."""
    filters = cohort_queries.Filters(
        region_id=args["region"], cohort_id=args["cohort"], stage=args["stage"], curriculum=args["curriculum"], flag=args["flag"]
    )
    today = uk_today()
    total, flag_counts = cohort_queries.cohort_counts(current_user, filters, today)
    after = keyset.after(User.name, TraineeProfile.user_id, args["cursor"])
    rows = cohort_queries.rows_after(current_user, filters, after, args["limit"] + 1, today)
    shown, cursor, headers = keyset.page(rows, args["limit"], lambda r: (r.name, r.trainee_id))
    body = {
        "total": total,
        "per_stage": [
            {"curriculum_version": version, "stage_level": level, "stage_name": name, "trainees": n}
            for version, level, name, n in charts.stage_counts(charts.cohort_breakdown(current_user, filters))
        ],
        "per_flag": [{"flag": flag, "title": FLAG_TITLES[flag], "trainees": n} for flag, n in flag_counts.items()],
        "trainees": [_row(r) for r in shown],
        "next_cursor": cursor,
    }
    return body, headers


def _panel(panel: ArcpPanel, counts: dict[str, int]) -> dict:
    return {
        "id": panel.id,
        "title": panel.title or f"ARCP panel on {panel.panel_date:%-d %B %Y}",
        "panel_date": panel.panel_date,
        "cutoff_date": panel.cutoff_date,
        "training_year": panel.training_year,
        "region": panel.region.name,
        "cohort": panel.cohort.name if panel.cohort else None,
        "cancelled": panel.cancelled_at is not None,
        "total": sum(counts.values()),
        "colours": [{"colour": c, "label": COLOUR_LABELS[c], "trainees": counts.get(c, 0)} for c in COLOURS],
    }


@blp.route("/arcp/panels")
@requires_scope("cohort:read", policy.can_use_panels)
@blp.etag
@blp.response(200, PanelsSchema)
def panels():
    """The upcoming ARCP panels the caller may see, soonest first, with their trainees counted by readiness colour."""
    return {"panels": [_panel(summary.panel, summary.counts) for summary in panel_queries.upcoming(current_user)]}


@blp.route("/arcp/panels/<int:panel_id>/readiness")
@requires_scope("cohort:read", policy.can_use_panels)
@blp.etag
@blp.arguments(ReadinessArgsSchema, location="query", unknown=ma.RAISE)
@blp.response(200, PanelReadinessSchema)
def panel_readiness(args, panel_id: int):
    """Each trainee on the panel with their readiness colour and its reasons (the read model kept on every write),
    in name order a page at a time, and the panel's counts per colour."""
    panel = load_or_404(ArcpPanel, panel_id, policy.can_manage_panel)
    query = panel_queries.rows_query(panel.id, args["colour"])
    after = keyset.after(User.name, User.id, args["cursor"])
    if after is not None:
        query = query.where(after)
    raws = db.session.execute(query.limit(args["limit"] + 1)).all()
    rows = [panel_queries.panel_row(row, name, gmc) for row, name, gmc in raws]
    shown, cursor, headers = keyset.page(rows, args["limit"], lambda r: (r.name, r.trainee_id))
    return {
        "panel": _panel(panel, panel_queries.colour_counts(panel.id)),
        "trainees": [
            {
                "trainee_id": r.trainee_id,
                "name": r.name,
                "gmc_number": r.gmc_number,
                "colour": r.colour,
                "label": COLOUR_LABELS.get(r.colour, r.colour),
                "reasons": r.reasons,
                "missing": r.missing_labels,
                "pending": r.pending_titles,
                "days_to_cutoff": r.days_to_cutoff,
                "readiness_at": r.readiness_at,
            }
            for r in shown
        ],
        "next_cursor": cursor,
    }, headers
