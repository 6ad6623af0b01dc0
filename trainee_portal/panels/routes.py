"""The panels pages: upcoming panels in the user's scope, scheduling one, one panel's trainees by readiness (filtered,
paged, exported as CSV or XLSX), cancelling it, and a region's nation and cut-off setting."""

from __future__ import annotations

import hashlib

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from competencies import panel_pack
from competencies.readiness import COLOUR_LABELS, COLOURS
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, Region
from trainee_portal.panels import export, queries, reminders, services
from trainee_portal.panels.blueprint import bp
from trainee_portal.panels.forms import PanelForm, RegionSettingsForm
from trainee_portal.platform.bank_holidays import nation_label
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.fragments import Fragments
from trainee_portal.platform.pagination import page_of
from trainee_portal.platform.views import form_page, load_or_404


@bp.route("")
@policy.requires(policy.can_use_panels)
def index():
    return render_template(
        "panels/index.html",
        panels=queries.upcoming(current_user),
        regions=queries.settings_regions(current_user),
        nation_label=nation_label,
        can_schedule=bool(queries.scope_choices(current_user)),
        page_title="ARCP panels",
    )


@bp.route("/new", methods=["GET", "POST"])
@policy.requires(policy.can_use_panels)
def new():
    choices = queries.scope_choices(current_user)
    form = PanelForm()
    form.scope.choices = [("", "Choose a region or cohort")] + choices
    form.scope.invalid_choice_message = "Choose a region or cohort from the list."
    chosen = request.form.get("scope") if request.method == "POST" else request.args.get("scope")
    region, cohort = queries.parse_scope(chosen) if chosen in {value for value, _ in choices} else (None, None)
    trainees = queries.scope_trainees(current_user, region, cohort) if region else []
    form.trainees.choices = trainees
    if request.method == "GET":
        form.scope.data = chosen if region else ""
        form.trainees.data = [t for t, _ in trainees]
    if form.validate_on_submit() and region is not None:
        try:
            panel = services.schedule(
                current_user,
                region,
                cohort,
                form.panel_date.data,
                form.training_year.data,
                form.trainees.data,
                {t for t, _ in trainees},
                form.title.data or "",
            )
        except services.PanelError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"Panel on {panel.panel_date:%-d %B %Y} scheduled; the evidence cut-off is {panel.cutoff_date:%-d %B %Y}.",
                "success",
            )
            return redirect(url_for("panels.detail", panel_id=panel.id))
    return form_page(
        "panels/new.html",
        form,
        region=region,
        cohort=cohort,
        has_choices=bool(choices),
        cutoff_preview=services.region_cutoff,
        page_title="Schedule an ARCP panel",
    )


def _panel(panel_id: int) -> ArcpPanel:
    return load_or_404(ArcpPanel, panel_id, policy.can_manage_panel)


def _colour_filter() -> str | None:
    colour = request.args.get("colour", "")
    return colour if colour in COLOURS else None


@bp.route("/<int:panel_id>")
@policy.requires(policy.can_use_panels)
def detail(panel_id: int):
    panel = load_or_404(ArcpPanel, panel_id, policy.can_manage_panel, options=WITH_SCOPE)
    colour = _colour_filter()
    counts = queries.colour_counts(panel.id)
    total = counts.get(colour, 0) if colour else sum(counts.values())
    page = page_of(total, queries.PER_PAGE, lambda offset, limit: queries.page_rows(panel.id, colour, offset, limit))
    packs_due = panel.cancelled_at is None and panel_pack.is_due(panel.cutoff_date, utcnow())
    return render_template(
        "panels/detail.html",
        panel=panel,
        page=page,
        rows=[_row_html(panel.id, packs_due, row) for row in page.items],
        colour=colour,
        counts=counts,
        colours=COLOURS,
        colour_labels=COLOUR_LABELS,
        cancel_form=PortalForm(),
        can_cancel=policy.can_cancel_panel(current_user, panel),
        reminder_dates=[(label, f"{day:%-d %b %Y}") for label, day in reminders.schedule_of(panel)],
        packs_due=packs_due,
        page_title=panel.title or f"ARCP panel on {panel.panel_date:%-d %B %Y}",
    )


WITH_SCOPE = (joinedload(ArcpPanel.region), joinedload(ArcpPanel.cohort))  # the page names both
# Each trainee's row as drawn, by everything it is drawn from: the read model's row changes only when the trainee's
# readiness is recomputed, so a panel's pages are drawn row by row once and then reused.
ROWS = Fragments(size=4096)


def _row_html(panel_id: int, packs_due: bool, row) -> Markup:
    trainee_id, name, gmc_number, colour, detail, _computed_at = row  # the page does not show when
    digest = hashlib.blake2b((detail or "").encode(), digest_size=16).digest()  # the detail's JSON, in 16 bytes
    key = (request.script_root, panel_id, packs_due, trainee_id, name, gmc_number, colour, digest)
    return ROWS.get(
        key,
        lambda: render_template(
            "panels/_row.html", row=queries.panel_row(row, name, gmc_number), packs_due=packs_due, panel_id=panel_id
        ),
    )


def _export_name(panel: ArcpPanel, ext: str) -> str:
    return f"arcp-panel-{panel.id}-{panel.panel_date.isoformat()}.{ext}"


@bp.route("/<int:panel_id>/export.csv")
@policy.requires(policy.can_use_panels)
def export_csv(panel_id: int):
    panel = _panel(panel_id)
    rows = queries.all_rows(panel.id, _colour_filter())
    return Response(
        stream_with_context(export.csv_lines(panel, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(panel, "csv")}"'},
    )


@bp.route("/<int:panel_id>/export.xlsx")
@policy.requires(policy.can_use_panels)
def export_xlsx(panel_id: int):
    panel = _panel(panel_id)
    data = export.xlsx_bytes(panel, queries.all_rows(panel.id, _colour_filter()))
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(panel, "xlsx")}"'},
    )


@bp.route("/<int:panel_id>/cancel", methods=["POST"])
@policy.requires(policy.can_use_panels)
def cancel(panel_id: int):
    panel = _panel(panel_id)
    policy.authorize(policy.can_cancel_panel(current_user, panel))
    if not PortalForm().validate_on_submit():
        abort(400)
    if services.cancel(current_user, panel):
        db.session.commit()
        flash("Panel cancelled. It stays on record; its trainees' readiness is no longer kept current.", "success")
    return redirect(url_for("panels.detail", panel_id=panel.id))


@bp.route("/settings/<int:region_id>", methods=["GET", "POST"])
@policy.requires(policy.can_use_panels)
def settings(region_id: int):
    region = load_or_404(Region, region_id, policy.can_set_panel_settings)
    form = RegionSettingsForm(obj=None)
    if request.method == "GET":
        form.nation.data = region.nation
        form.cutoff_working_days.data = region.arcp_cutoff_working_days
    if form.validate_on_submit():
        try:
            changed = services.save_settings(current_user, region, form.nation.data, form.cutoff_working_days.data)
        except services.PanelError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            if changed:
                flash(f"Panel settings of {region.name} saved. Panels already scheduled keep their cut-off.", "success")
            return redirect(url_for("panels.index"))
    return form_page("panels/settings.html", form, region=region, page_title=f"Panel settings: {region.name}")
