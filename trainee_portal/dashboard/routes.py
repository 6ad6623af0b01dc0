"""/dashboard: the trainee's progress at a glance; supervisors and directors open a trainee's with ?trainee=ID."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from competencies import curriculum_progress, is_behind
from trainee_portal import curricula, policy
from trainee_portal.dashboard import charts
from trainee_portal.dashboard.blueprint import bp
from trainee_portal.exams import queries as exam_queries
from trainee_portal.logbook.forms import uk_today
from trainee_portal.platform.fragments import Fragments
from trainee_portal.platform.views import trainee_choices, trainee_or_picker
from trainee_portal.summaries import evidence_weeks, progress, tallies
from trainee_portal.training_time import queries as training_time

# Each chart's table of figures, drawn once per worker and kept under everything it shows (the trainee's link
# argument and the site's root for its links): a trainee who looks again, or a supervisor after them, reuses it.
TABLES = Fragments(size=512)


def _tables(results, current, stage, points, trainee_arg) -> dict:
    stages = tuple(
        (r.stage.level, r.stage.name, r.percent, r.satisfied_units, r.required_units, r.complete, r.total) for r in results
    )
    domains = tuple((d.domain.name, d.complete, d.in_progress, d.not_started) for d in current.domains)
    trajectory = tuple((p.on, p.entries, p.percent, p.expected) for p in points)
    return {
        "stage_table": TABLES.get(
            ("stages", request.script_root, trainee_arg, stages),
            lambda: render_template("dashboard/_stage_table.html", results=results, trainee_arg=trainee_arg),
        ),
        "domain_table": TABLES.get(
            ("domains", stage.name, domains),
            lambda: render_template("dashboard/_domain_table.html", current=current, stage=stage),
        ),
        "trajectory_table": TABLES.get(
            ("trajectory", stage.name, trajectory),
            lambda: render_template("dashboard/_trajectory_table.html", points=points, stage=stage),
        ),
    }


@bp.route("", strict_slashes=False)
def index():
    profile, picker = trainee_or_picker("dashboard/pick.html", page_title="Trainee dashboard")
    if picker:
        return picker
    choices = trainee_choices(current_user) if policy.can_pick_trainee(current_user) else []
    curriculum = curricula.curriculum(profile.curriculum_version)
    rules = curricula.trainee_rules(profile)  # the region's local rules and programme suggestions count here too
    counts = tallies.counts_of(profile.user_id)
    results = list(curriculum_progress(curriculum, counts, profile.sia_stage_key, rules).values())
    stage = curriculum.stage_for_level(profile.current_stage, profile.sia_stage_key)
    current = next(r for r in results if r.stage.key == stage.key)
    today = uk_today()
    periods = training_time.core_periods(profile.user_id)
    timeline = evidence_weeks.timeline(profile.user_id, stage.level, profile.stage_started_on)
    points = charts.trajectory(curriculum, stage, profile.stage_started_on, today, timeline, periods, rules)
    latest = points[-1]
    # A closed stage is never behind; after a move the old stage's percent counts, so a move never flags anyone.
    trajectory = progress.trajectory_percent(profile.user_id, stage.key, current.percent)
    behind = latest.expected is not None and is_behind(trajectory, latest.expected)
    own = profile.user_id == current_user.id
    return render_template(
        "dashboard/index.html",
        profile=profile,
        curriculum=curriculum,
        results=results,
        current=current,
        stage=stage,
        points=points,
        latest=latest,
        behind=behind,
        stage_end=charts.stage_end(stage, profile.stage_started_on, periods),
        periods=periods,
        stage_chart=charts.stage_completion(results),
        domain_chart=charts.domains(current),
        trajectory_chart=charts.trajectory_figure(points),
        choices=choices,
        logged=timeline.statuses,
        fellowship=exam_queries.fellowship_summary(profile, periods=periods, percent=current.percent),
        own=own,
        page_title="Dashboard",
        **_tables(results, current, stage, points, None if own else profile.user_id),
    )
