"""/training-time: a trainee's LTFT, leave and OOP periods with the training time they give; the administrator or a
director in scope adds, ends and removes them; the trainee and their supervisors read them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from competencies import stage_ends_on
from competencies.training_time import ABSENCE_REVIEW, COUNTING, KINDS, Period, absence_days
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile, TrainingPeriod
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.views import form_page, load_or_404, trainee_choices, trainee_or_picker
from trainee_portal.training_time import queries, services
from trainee_portal.training_time.blueprint import bp
from trainee_portal.training_time.forms import EndForm, PeriodForm, RemoveForm


def _index(profile: TraineeProfile) -> str:
    return url_for("training_time.index", trainee=None if profile.user_id == current_user.id else profile.user_id)


@bp.route("/")
def index():
    profile, picker = trainee_or_picker("training_time/pick.html", page_title="Training time")
    if picker:
        return picker
    rows = queries.periods_of(profile.user_id)
    periods = tuple(map(queries.core_period, rows))
    today = uk_today()
    try:
        stage = curricula.curriculum(profile.curriculum_version).stage_for_level(profile.current_stage)
        full_time_end = stage_ends_on(stage, profile.stage_started_on)
    except KeyError:
        stage = full_time_end = None
    return render_template(
        "training_time/index.html",
        profile=profile,
        views=queries.period_views(rows, today),
        stage=stage,
        full_time_end=full_time_end,
        training_time_end=stage_ends_on(stage, profile.stage_started_on, periods) if stage else None,
        absent=absence_days(periods, today),
        review=ABSENCE_REVIEW,
        counting=COUNTING,
        kinds=KINDS,
        choices=trainee_choices(current_user) if policy.can_pick_trainee(current_user) else [],
        can_keep=policy.can_keep_training_periods(current_user, profile.user_id),
        page_title="Training time",
    )


def _apply(form, found: dict[str, list[str]]) -> None:
    for name, messages in found.items():
        if name:
            getattr(form, name).errors = list(getattr(form, name).errors) + messages
        else:
            form.form_errors = messages


@bp.route("/<int:trainee_id>/new", methods=["GET", "POST"])
def add(trainee_id: int):
    policy.authorize(policy.can_keep_training_periods(current_user, trainee_id))
    profile = load_or_404(TraineeProfile, trainee_id)
    form = PeriodForm()
    if form.validate_on_submit():
        period = Period(form.kind.data, form.starts_on.data, form.ends_on.data, form.wte_percent.data)
        found = services.problems(trainee_id, period)
        if not found:
            services.add_period(profile, period, form.note.data, current_user)
            db.session.commit()
            flash(f"{KINDS[period.kind]} period added for {profile.user.name}.", "success")
            return redirect(_index(profile))
        _apply(form, found)
    return form_page("training_time/form.html", form, profile=profile, back=_index(profile), page_title="Add a training period")


def _period_page(template: str, form, row: TrainingPeriod, profile: TraineeProfile, title: str):
    """The page of one period's form (end it, remove it), back to the trainee's periods."""
    return form_page(template, form, row=row, kinds=KINDS, profile=profile, back=_index(profile), page_title=title)


@bp.route("/periods/<int:period_id>/end", methods=["GET", "POST"])
def end(period_id: int):
    row = load_or_404(TrainingPeriod, period_id, policy.can_keep_training_period)
    profile = db.session.get(TraineeProfile, row.trainee_id)
    form = EndForm(obj=row if request.method == "GET" else None)
    if form.validate_on_submit():
        period = Period(row.kind, row.starts_on, form.ends_on.data, row.wte_percent)
        found = services.problems(row.trainee_id, period, ignore_id=row.id)
        if not found:
            services.end_period(row, form.ends_on.data, current_user)
            db.session.commit()
            flash("Period ended.", "success")
            return redirect(_index(profile))
        _apply(form, {("ends_on" if name in ("ends_on", "") else ""): messages for name, messages in found.items()})
    return _period_page("training_time/end.html", form, row, profile, "End a training period")


@bp.route("/periods/<int:period_id>/delete", methods=["GET", "POST"])
def delete(period_id: int):
    row = load_or_404(TrainingPeriod, period_id, policy.can_keep_training_period)
    profile = db.session.get(TraineeProfile, row.trainee_id)
    form = RemoveForm()
    if form.validate_on_submit():
        services.delete_period(row, form.reason.data, current_user)
        db.session.commit()
        flash("Period removed.", "success")
        return redirect(_index(profile))
    return _period_page("training_time/delete.html", form, row, profile, "Remove a training period")
