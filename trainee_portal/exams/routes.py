"""Exam readiness, attempts and corrections, sittings, the RAPM confirmation, mock scores and the pipeline."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from trainee_portal import curricula, policy
from trainee_portal.exams import charts, queries, services
from trainee_portal.exams.blueprint import bp
from trainee_portal.exams.forms import (
    AttemptForm,
    ConfirmForm,
    CorrectionForm,
    MockScoreForm,
    PrerequisitesForm,
    RapmForm,
    SittingForm,
    uk_today,
)
from trainee_portal.extensions import db
from trainee_portal.models import ExamAttempt, ExamSitting, TraineeProfile
from trainee_portal.platform.fragments import Fragments
from trainee_portal.platform.tables import stack_cells
from trainee_portal.platform.views import form_page, load_or_404, trainee_choices, trainee_or_picker, viewed_trainee


def _day(day) -> str:
    return f"{day.day} {day:%B %Y}"


def _back(profile: TraineeProfile) -> str:
    own = profile.user_id == current_user.id
    return url_for("exams.readiness", trainee=None if own else profile.user_id)


def _profile_from_args() -> TraineeProfile:
    profile = viewed_trainee()
    if profile is None:
        abort(404)
    return profile


@bp.route("/")
def readiness():
    profile, picker = trainee_or_picker("exams/pick.html", page_title="Exam readiness")
    if picker:
        return picker
    choices = trainee_choices(current_user) if policy.can_pick_trainee(current_user) else []
    view = queries.readiness(profile)
    figure, table = charts.readiness_figure(view)
    return render_template(
        "exams/readiness.html",
        view=view,
        confirm_form=ConfirmForm(),
        profile=profile,
        choices=choices,
        figure=figure,
        table=table,
        today=uk_today(),
        page_title="Exam readiness",
    )


@bp.route("/attempts/new", methods=["GET", "POST"])
def record_attempt():
    profile = _profile_from_args()
    policy.authorize(policy.can_record_exam_attempt(current_user, profile.user_id))
    form = AttemptForm()
    today = uk_today()
    sittings = db.session.scalars(
        select(ExamSitting).where(ExamSitting.sits_on <= today).order_by(ExamSitting.sits_on.desc(), ExamSitting.part)
    ).all()
    form.sitting_id.choices = [(s.id, f"{s.part} – {_day(s.sits_on)}") for s in sittings]
    if form.validate_on_submit():
        sitting = db.session.get(ExamSitting, form.sitting_id.data)
        problems = services.attempt_problems(profile, sitting, form.result.data, form.extra_training_note.data)
        if not problems:
            services.record_attempt(
                profile, sitting, form.result.data, form.score.data, form.extra_training_note.data, current_user
            )
            db.session.commit()
            flash(f"{sitting.part} {form.result.data} at the sitting of {_day(sitting.sits_on)} recorded.", "success")
            return redirect(_back(profile))
        form.form_errors = problems
    return form_page("exams/attempt_form.html", form, profile=profile, back=_back(profile), page_title="Record an exam attempt")


@bp.route("/attempts/<int:attempt_id>/correct", methods=["GET", "POST"])
def correct_attempt(attempt_id: int):
    attempt = load_or_404(ExamAttempt, attempt_id, policy.can_correct_attempt)
    profile = db.session.get(TraineeProfile, attempt.trainee_id)
    form = CorrectionForm(obj=attempt if request.method == "GET" else None)
    if form.validate_on_submit():
        problems = services.attempt_problems(
            profile, attempt.sitting, form.result.data, form.extra_training_note.data, ignore_attempt_id=attempt.id
        )
        if not problems:
            services.correct_attempt(
                attempt, form.result.data, form.score.data, form.extra_training_note.data, form.reason.data, current_user
            )
            db.session.commit()
            flash("Attempt corrected.", "success")
            return redirect(_back(profile))
        form.form_errors = problems
    return form_page(
        "exams/correct_form.html",
        form,
        attempt=attempt,
        profile=profile,
        back=_back(profile),
        page_title="Correct an exam attempt",
    )


@bp.route("/mock-scores/new", methods=["GET", "POST"])
def add_mock_score():
    profile = _profile_from_args()
    policy.authorize(policy.can_record_mock_score(current_user, profile.user_id))
    form = MockScoreForm()
    if form.validate_on_submit():
        services.add_mock_score(profile.user_id, form)
        db.session.commit()
        flash("Mock exam score added.", "success")
        return redirect(_back(profile))
    return form_page("exams/mock_form.html", form, back=_back(profile), page_title="Add a mock exam score")


@bp.route("/rapm/<int:trainee_id>", methods=["GET", "POST"])
def confirm_rapm(trainee_id: int):
    policy.authorize(policy.can_confirm_rapm(current_user, trainee_id))
    profile = load_or_404(TraineeProfile, trainee_id)
    form = RapmForm()
    if form.validate_on_submit():
        services.confirm_rapm(trainee_id, form, current_user)
        db.session.commit()
        flash(f"Regional Advisor's confirmation recorded for {profile.user.name}.", "success")
        return redirect(_back(profile))
    return form_page(
        "exams/rapm_form.html",
        form,
        profile=profile,
        advanced_months=curricula.curriculum(profile.curriculum_version).exam.soe_min_advanced_months,
        back=_back(profile),
        page_title="Record the Regional Advisor's confirmation",
    )


@bp.route("/prerequisites/<int:trainee_id>", methods=["GET", "POST"])
def record_prerequisites(trainee_id: int):
    policy.authorize(policy.can_record_exam_prerequisites(current_user, trainee_id))
    profile = load_or_404(TraineeProfile, trainee_id)
    latest = queries.latest_prerequisites(trainee_id)
    form = PrerequisitesForm(obj=latest if request.method == "GET" else None)
    may_confirm = policy.can_confirm_exam_prerequisites(current_user, trainee_id)
    if request.method == "GET":
        form.confirm.data = False
    if form.validate_on_submit():
        services.record_prerequisites(trainee_id, form, current_user, confirmed=may_confirm and bool(form.confirm.data))
        db.session.commit()
        flash("GMC registration and FPM membership recorded.", "success")
        return redirect(_back(profile))
    return form_page(
        "exams/prerequisites_form.html",
        form,
        profile=profile,
        may_confirm=may_confirm,
        curriculum=curricula.curriculum(profile.curriculum_version),
        back=_back(profile),
        page_title="GMC registration and FPM membership",
    )


@bp.route("/prerequisites/<int:trainee_id>/confirm", methods=["POST"])
def confirm_prerequisites(trainee_id: int):
    policy.authorize(policy.can_confirm_exam_prerequisites(current_user, trainee_id))
    profile = load_or_404(TraineeProfile, trainee_id)
    latest = queries.latest_prerequisites(trainee_id)
    form = ConfirmForm()
    if latest is None or not form.validate_on_submit():
        abort(400)
    if form.record_id.data != latest.id:
        flash(
            f"{profile.user.name} recorded a newer statement since you opened the page, so nothing was confirmed. "
            "Check it and confirm again.",
            "warning",
        )
    elif latest.confirmed_on is None:
        services.confirm_prerequisites(latest, current_user)
        db.session.commit()
        flash(f"{profile.user.name}'s GMC registration and FPM membership confirmed.", "success")
    return redirect(_back(profile))


@bp.route("/sittings")
@policy.requires(policy.can_manage_sittings)
def sittings():
    return render_template(
        "exams/sittings.html",
        sittings=queries.all_sittings(),
        now=queries.utc_now(),
        core_sitting=queries.core_sitting,
        page_title="Exam sittings",
    )


@bp.route("/sittings/new", methods=["GET", "POST"], defaults={"sitting_id": None})
@bp.route("/sittings/<int:sitting_id>/edit", methods=["GET", "POST"])
@policy.requires(policy.can_manage_sittings)
def edit_sitting(sitting_id: int | None):
    sitting = load_or_404(ExamSitting, sitting_id) if sitting_id else None
    form = SittingForm(obj=sitting if request.method == "GET" else None)
    if form.validate_on_submit():
        clash = db.session.scalar(
            select(ExamSitting.id).where(
                ExamSitting.part == form.part.data,
                ExamSitting.sits_on == form.sits_on.data,
                ExamSitting.id != (sitting.id if sitting else -1),
            )
        )
        if clash is None:
            saved = services.save_sitting(sitting, form, current_user)
            db.session.commit()
            flash(f"{saved.part} sitting of {_day(saved.sits_on)} saved.", "success")
            return redirect(url_for("exams.sittings"))
        form.sits_on.errors = [f"There is already an {form.part.data} sitting on this date."]
    return form_page(
        "exams/sitting_form.html", form, sitting=sitting, page_title="Edit exam sitting" if sitting else "Add an exam sitting"
    )


# A row of the "Everyone" table drawn once per worker and kept under the row itself (its trainee, stage, attempts,
# passes, RAPM confirmation and next sitting), so nothing kept goes stale: a page shows 50, most unchanged since the last.
EVERYONE_ROWS = Fragments(size=4096)
# The table's columns. Each row is kept with its cells already carrying their column's heading for a phone
# (platform.tables.stack_cells, applied once as it is drawn), so the table is drawn `stacked`: no page view stacks
# 50 rows again.
EVERYONE_HEADERS = ("Trainee", "Stage", "MCQ", "SOE", "RAPM confirmation", "Next sitting they can apply for")


def _everyone_row_html(row: queries.PipelineRow):
    return EVERYONE_ROWS.get(
        (request.script_root, repr(row)),
        lambda: stack_cells(render_template("exams/_everyone_row.html", r=row), EVERYONE_HEADERS),
    )


@bp.route("/pipeline")
@policy.requires(policy.can_view_exam_pipeline)
def pipeline():
    lists = queries.pipeline_lists(current_user)
    return render_template(
        "exams/pipeline.html",
        lists=lists,
        everyone_rows=[_everyone_row_html(row) for row in lists["everyone"].items],
        everyone_headers=EVERYONE_HEADERS,
        today=uk_today(),
        months=queries.EXPIRY_WARNING_MONTHS,
        late=queries.late_attempts_wording(),
        page_title="Exam pipeline",
    )
