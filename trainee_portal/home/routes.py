"""Home: a trainee's four stages at a glance; supervisors' trainees; links for directors and admins."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from competencies import STAGE_LEVELS, THEMES
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.home.blueprint import bp
from trainee_portal.models import TraineeProfile, TraineeProgress, User


@bp.route("/")
@policy.requires(policy.is_signed_in)
def index():
    stages = []
    if policy.is_trainee(current_user):
        profile = current_user.trainee_profile
        curriculum = curricula.curriculum(profile.curriculum_version)
        progress = {
            p.stage_level: p
            for p in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == profile.user_id))
        }
        stages = [(curriculum.stage_for_level(level, profile.sia_stage_key), progress.get(level)) for level in STAGE_LEVELS]
    supervisees = []
    if policy.is_supervisor(current_user):
        supervisees = db.session.execute(
            select(User, TraineeProfile, TraineeProgress)
            .join(TraineeProfile, TraineeProfile.user_id == User.id)
            .outerjoin(
                TraineeProgress,
                (TraineeProgress.trainee_id == User.id) & (TraineeProgress.stage_level == TraineeProfile.current_stage),
            )
            .where(User.id.in_(policy.supervised_trainee_ids(current_user.id)))
            .order_by(User.name)
        ).all()
    return render_template("home/index.html", stages=stages, supervisees=supervisees, quick_log=QUICK_LOG, page_title="Home")


# One tap from home to the evidence form with the kind chosen, for the kinds trainees log most.
QUICK_LOG = (
    ("logbook.clinic", "Log a clinic"),
    ("logbook.procedure", "Log a procedure"),
    ("logbook.ward_round", "Log a ward round"),
    ("reflection", "Write a reflection"),
)


@bp.route("/about")
@policy.public
def about():
    registry = curricula.registry()
    versions = [registry.get(v) for v in registry.versions()]
    return render_template("home/about.html", versions=versions, themes=THEMES, page_title="About this service")
