"""The trainee's home: their four stages and where they stand in each."""

from __future__ import annotations

from sqlalchemy import select

from competencies import STAGE_LEVELS
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProgress


def trainee_home(user) -> dict:
    profile = user.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    progress = {
        p.stage_level: p for p in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == profile.user_id))
    }
    stages = [(curriculum.stage_for_level(level, profile.sia_stage_key), progress.get(level)) for level in STAGE_LEVELS]
    return {"profile": profile, "stages": stages, "quick_log": QUICK_LOG}


# One tap from home to the evidence form with the kind chosen, for the kinds trainees log most.
QUICK_LOG = (
    ("logbook.clinic", "Log a clinic"),
    ("logbook.procedure", "Log a procedure"),
    ("logbook.ward_round", "Log a ward round"),
    ("reflection", "Write a reflection"),
)
