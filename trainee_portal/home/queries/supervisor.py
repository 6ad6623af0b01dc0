"""The supervisor's home: the trainees assigned to them."""

from __future__ import annotations

from sqlalchemy import select

from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile, TraineeProgress, User


def supervisor_home(user) -> dict:
    supervisees = db.session.execute(
        select(User, TraineeProfile, TraineeProgress)
        .join(TraineeProfile, TraineeProfile.user_id == User.id)
        .outerjoin(
            TraineeProgress,
            (TraineeProgress.trainee_id == User.id) & (TraineeProgress.stage_level == TraineeProfile.current_stage),
        )
        .where(User.id.in_(policy.supervised_trainee_ids(user.id)))
        .order_by(User.name)
    ).all()
    return {"supervisees": supervisees}
