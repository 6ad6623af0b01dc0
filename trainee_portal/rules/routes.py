"""The rules pages: the regions a director or administrator manages, a region's rules with their history, and adding,
revising (a new version) or retiring a rule."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import LocalRule, Region
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.views import form_page, load_or_404
from trainee_portal.rules import queries, services
from trainee_portal.rules.blueprint import bp
from trainee_portal.rules.forms import LocalRuleForm

STALE = "This rule has changed since you opened it (a newer version or its retirement). Open its current version and try again."


@bp.route("/")
@policy.requires(policy.can_manage_rules)
def index():
    return render_template("rules/index.html", regions=queries.managed_regions(current_user), page_title="Local rules")


@bp.route("/regions/<int:region_id>")
@policy.requires(policy.can_manage_rules)
def region(region_id: int):
    region = load_or_404(Region, region_id, policy.can_manage_region_rules)
    current, history = queries.region_rules(region.id)
    return render_template(
        "rules/region.html",
        region=region,
        current=current,
        history=history,
        retire_form=PortalForm(),
        page_title=f"Rules for {region.name}",
    )


def _rule_form_page(form, region, rule=None):
    title = f"New version of the {rule.competency_code} rule" if rule else f"Add a rule for {region.name}"
    return form_page("rules/rule_form.html", form, region=region, rule=rule, page_title=title)


@bp.route("/regions/<int:region_id>/new", methods=["GET", "POST"])
@policy.requires(policy.can_manage_rules)
def new_rule(region_id: int):
    region = load_or_404(Region, region_id, policy.can_manage_region_rules)
    form = LocalRuleForm()
    if form.validate_on_submit():
        services.save_rule(region, form.values(), current_user)
        db.session.commit()
        flash(f"Rule for {form.competency_code.data} added; the progress of {region.name}'s trainees is updated.", "success")
        return redirect(url_for("rules.region", region_id=region.id))
    return _rule_form_page(form, region)


@bp.route("/<int:rule_id>/edit", methods=["GET", "POST"])
@policy.requires(policy.can_manage_rules)
def edit_rule(rule_id: int):
    rule = load_or_404(LocalRule, rule_id, policy.can_manage_local_rule)
    form = LocalRuleForm(obj=rule if request.method == "GET" else None)
    if request.method == "GET":
        form.supervision_level.data = rule.supervision_level or ""
    if not rule.is_current:
        form.form_errors.append(STALE)
    elif form.validate_on_submit():
        try:
            saved = services.save_rule(rule.region, form.values(), current_user, replaces=rule)
        except services.StaleRule:
            db.session.rollback()
            form.form_errors.append(STALE)
        else:
            db.session.commit()
            flash(f"Version {saved.version} of the {saved.competency_code} rule saved.", "success")
            return redirect(url_for("rules.region", region_id=saved.region_id))
    return _rule_form_page(form, rule.region, rule)


@bp.route("/<int:rule_id>/retire", methods=["POST"])
@policy.requires(policy.can_manage_rules)
def retire_rule(rule_id: int):
    rule = load_or_404(LocalRule, rule_id, policy.can_manage_local_rule)
    try:
        services.retire_rule(rule, current_user)
    except services.StaleRule:
        db.session.rollback()
        flash(STALE, "warning")
        return redirect(url_for("rules.region", region_id=rule.region_id))
    db.session.commit()
    flash(f"The {rule.competency_code} rule is retired; earlier versions stay in its history.", "success")
    return redirect(url_for("rules.region", region_id=rule.region_id))
