"""The trainee's own ARCP outcomes, each with the summary of the evidence the panel saw."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from competencies import arcp
from trainee_portal import policy
from trainee_portal.arcp import queries, services
from trainee_portal.arcp.blueprint import bp
from trainee_portal.platform.clock import uk_today
from trainee_portal.summaries import readiness


@bp.route("")
@policy.requires(policy.can_view_own_arcp)
def mine():
    outcomes = services.outcomes_for(current_user.id)
    return render_template(
        "arcp/mine.html",
        outcomes=outcomes,
        catalogue=arcp.CATALOGUE,
        reconvened=services.reconvened_labels(outcomes),
        parsed=services.parsed_summary,
        packs=queries.packs_of(current_user.id),
        panels=[(panel, row, readiness.detail_of(row)) for panel, row in readiness.my_upcoming(current_user.id)],
        open_items=readiness.open_items,
        fix_links=readiness.fix_links,
        today=uk_today(),
        page_title="Your ARCP outcomes",
    )
