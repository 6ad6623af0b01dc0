"""Cohort dashboard, exports, trainee review and ARCP recording (the trainee's own outcomes are under /arcp)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from competencies import EVIDENCE_TYPES, STAGE_LEVELS, flags
from competencies.arcp import CATALOGUE as ARCP_CATALOGUE
from trainee_portal import curricula, policy
from trainee_portal.arcp import queries as arcp_queries
from trainee_portal.arcp import services as arcp
from trainee_portal.cohort import charts, export, queries
from trainee_portal.cohort.blueprint import bp
from trainee_portal.cohort.forms import ArcpForm
from trainee_portal.cohort.review import trainee_review
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.fragments import Fragments
from trainee_portal.platform.views import form_page, load_or_404


@bp.context_processor
def evidence_labels():
    return {
        "evidence_label": lambda code: EVIDENCE_TYPES[code].label if code in EVIDENCE_TYPES else code,
        "stage_levels": STAGE_LEVELS,
        "flag_rules": flags,  # the thresholds the flags use, with where each comes from
    }


# Drawn once per worker and kept under everything they are drawn from (platform/fragments.py), so nothing kept goes
# stale: a trainee's table row under the row itself (a page shows 50 of them, most unchanged since the last request),
# a chart's table of figures under its caption and rows (the supervisors' holds one row per supervisor).
ROWS = Fragments(size=2048)
FIGURES = Fragments(size=64)
FILTERS = Fragments(size=256)  # the filter form, by its choices and the filters it shows (seven selects: tens of ms)


def _row_html(row: queries.CohortRow):
    return ROWS.get((request.script_root, repr(row)), lambda: render_template("cohort/_row.html", row=row, flags=queries.FLAGS))


def _figures_html(chart: charts.Chart, caption: str):
    key = (caption, tuple(chart.headers), repr(chart.rows))
    return FIGURES.get(key, lambda: render_template("cohort/_figures.html", c=chart, caption=caption))


def _filters_html(filters: queries.Filters, regions, cohorts, versions):
    shown = (filters.region_id, filters.cohort_id, filters.stage, filters.curriculum, filters.flag, filters.sort)
    choices = (tuple(regions), tuple(cohorts), tuple(versions), tuple(charts.STAGE_LABELS.items()))
    static = (tuple(queries.FLAGS.items()), tuple(queries.SORT_LABELS.items()))
    key = (request.script_root, shown, filters.descending, filters.heatmap, choices, static)
    return FILTERS.get(
        key,
        lambda: render_template(
            "cohort/_filters.html",
            filters=filters,
            regions=regions,
            cohorts=cohorts,
            versions=versions,
            flags=queries.FLAGS,
            sort_labels=queries.SORT_LABELS,
            stage_labels=charts.STAGE_LABELS,
        ),
    )


@bp.route("")
@policy.requires(policy.can_use_cohort_dashboard)
def dashboard():
    filters = queries.Filters.from_args(request.args)
    # The total, every flag count and the stage and exam charts' groups in one query.
    counts, breakdown = charts.counts_and_breakdown(current_user, filters)
    page = queries.cohort_page(current_user, filters, counts=counts)
    in_scope = charts.curricula_in_scope(breakdown)
    heatmap_version = charts.heatmap_curriculum(filters, in_scope)
    per_stage = charts.trainees_per_stage(breakdown)
    heatmap = charts.progress_heatmap(page.items, heatmap_version)
    pipeline = charts.exam_pipeline(breakdown)
    responsiveness = charts.supervisor_responsiveness(current_user, filters)
    return render_template(
        "cohort/dashboard.html",
        page=page,
        filters_html=_filters_html(filters, *queries.filter_choices(current_user), curricula.version_choices()),
        rows_html=[_row_html(row) for row in page.items],
        figure_tables={
            "stages": _figures_html(per_stage, "Trainees per stage"),
            "heatmap": _figures_html(heatmap, f"Progress by domain, {heatmap_version} curriculum") if heatmap.rows else None,
            "exams": _figures_html(pipeline, "Exam pipeline"),
            "supervisors": _figures_html(responsiveness, "Supervisor responsiveness"),
        },
        filters=filters,
        flags=queries.FLAGS,
        flag_counts=counts[1],
        per_stage=per_stage,
        heatmap=heatmap,
        heatmap_version=heatmap_version,
        heatmap_choices=in_scope,
        pipeline=pipeline,
        responsiveness=responsiveness,
        page_title="Cohort dashboard",
    )


def _export_name(extension: str) -> str:
    return f"cohort-{uk_today().isoformat()}.{extension}"


@bp.route("/export.csv")
@policy.requires(policy.can_use_cohort_dashboard)
def export_csv():
    filters = queries.Filters.from_args(request.args)
    rows = queries.all_rows(current_user, filters)
    return Response(
        stream_with_context(export.csv_lines(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name("csv")}"'},
    )


@bp.route("/export.xlsx")
@policy.requires(policy.can_use_cohort_dashboard)
def export_xlsx():
    filters = queries.Filters.from_args(request.args)
    data = export.xlsx_bytes(queries.all_rows(current_user, filters))
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name("xlsx")}"'},
    )


def _reviewed_profile(trainee_id: int) -> TraineeProfile:
    policy.authorize(policy.can_review_trainee(current_user, trainee_id))
    return load_or_404(TraineeProfile, trainee_id)


@bp.route("/trainee/<int:trainee_id>")
def review(trainee_id: int):
    profile = _reviewed_profile(trainee_id)
    data = trainee_review(profile, with_audit=policy.can_view_audit(current_user, trainee_id))
    outcomes = arcp.outcomes_for(trainee_id)
    return render_template(
        "cohort/review.html",
        review=data,
        profile=profile,
        outcomes=outcomes,
        packs=arcp_queries.packs_of(trainee_id),
        summary=arcp.evidence_summary(trainee_id),
        catalogue=ARCP_CATALOGUE,
        reconvened=arcp.reconvened_labels(outcomes),
        parsed=arcp.parsed_summary,
        page_title=f"Review: {profile.user.name}",
    )


@bp.route("/trainee/<int:trainee_id>/arcp", methods=["GET", "POST"])
def record_arcp(trainee_id: int):
    profile = _reviewed_profile(trainee_id)
    policy.authorize(policy.can_record_arcp(current_user, trainee_id))
    form = ArcpForm()
    if form.validate_on_submit():
        year, panel_date = form.training_year.data, form.panel_date.data
        if arcp.panel_taken(trainee_id, year, panel_date):
            form.panel_date.errors = [
                f"An outcome for {year} from a panel on this date is already recorded. A reconvened panel has its own date."
            ]
        else:
            try:
                record = arcp.record_outcome(
                    profile,
                    current_user,
                    training_year=year,
                    outcome=form.outcome.data,
                    panel_date=panel_date,
                    notes=form.notes.data or "",
                )
                db.session.commit()
            except IntegrityError:  # the same panel recorded at the same moment (a double click, two tabs)
                db.session.rollback()
                flash(
                    f"An outcome for {year} from the panel of {panel_date:%-d %B %Y} was just recorded; nothing was added.",
                    "info",
                )
                return redirect(url_for("cohort.review", trainee_id=trainee_id, _anchor="arcp"))
            again = arcp.reconvened_labels(arcp.outcomes_for(trainee_id)).get(record.id)
            flash(
                f"ARCP outcome {form.outcome.data} for {year} recorded for {profile.user.name}"
                + (f" ({again.lower()})." if again else "."),
                "success",
            )
            return redirect(url_for("cohort.review", trainee_id=trainee_id, _anchor="arcp"))
    return form_page(
        "cohort/arcp_form.html",
        form,
        profile=profile,
        summary=arcp.evidence_summary(trainee_id),
        outcomes=arcp.outcomes_for(trainee_id),
        catalogue=ARCP_CATALOGUE,
        page_title="Record an ARCP outcome",
    )


@bp.route("/my-arcp")
@policy.requires(policy.can_view_own_arcp)
def my_arcp():
    """The trainee's own outcomes moved to /arcp; links saved before then still arrive."""
    return redirect(url_for("arcp.mine"), 301)
