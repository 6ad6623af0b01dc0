"""/transitions/<trainee>: move a trainee to another curriculum version with the date it takes effect, and the
trainee's moves so far. For administrators and the trainee's directors (policy.can_move_curriculum)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile
from trainee_portal.platform.views import form_page, load_or_404
from trainee_portal.summaries import progress
from trainee_portal.transitions import services
from trainee_portal.transitions.blueprint import bp
from trainee_portal.transitions.forms import MoveForm


@bp.route("/<int:trainee_id>", methods=["GET", "POST"])
def move(trainee_id: int):
    policy.authorize(policy.can_move_curriculum(current_user, trainee_id))
    profile = load_or_404(TraineeProfile, trainee_id)
    form = MoveForm()
    # Every version is offered, so that a version without a mapping is refused with its reason, not a bare "invalid".
    form.to_version.choices = [("", "Choose a curriculum version")] + curricula.version_choices()
    form.to_version.validate_choice = False
    if form.validate_on_submit():
        try:
            services.move(current_user, profile, form.to_version.data, form.effective_on.data, form.note.data.strip())
        except services.MoveError as error:
            db.session.rollback()
            profile = db.session.get(TraineeProfile, trainee_id)
            (form.effective_on if error.about == "date" else form.to_version).errors = [str(error)]
        else:
            db.session.commit()
            stage = curricula.curriculum(profile.curriculum_version).stage_for_level(profile.current_stage)
            flash(
                f"{profile.user.name} now follows the {profile.curriculum_version} curriculum ({stage.name}) from "
                f"{form.effective_on.data:%-d %B %Y}; their evidence on the old curriculum counts through the mapping.",
                "success",
            )
            return redirect(url_for(f"stage_{profile.current_stage}.index", trainee=profile.user_id))
    elif request.method == "GET" and not form.to_version.data:
        form.to_version.data = next((version for version, _ in services.targets(profile)), "")
    back = (
        url_for("admin.user", user_id=trainee_id)
        if policy.can_administer(current_user)
        else url_for("cohort.review", trainee_id=trainee_id)
    )
    return form_page(
        "transitions/move.html",
        form,
        profile=profile,
        moves=progress.transitions_of(trainee_id),
        targets=services.targets(profile),
        back=back,
        page_title=f"Move to another curriculum: {profile.user.name}",
    )
