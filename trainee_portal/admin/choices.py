"""Select-box choices the administration forms share, one query each."""

from __future__ import annotations

from sqlalchemy import select

from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import Cohort, Region, TraineeProfile, User, UserRole


def regions() -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in db.session.execute(select(Region.id, Region.name).order_by(Region.name))]


def cohorts() -> list[tuple[int, str, int]]:
    rows = db.session.execute(
        select(Cohort.id, Cohort.name, Region.name, Cohort.region_id)
        .join(Region, Region.id == Cohort.region_id)
        .order_by(Region.name, Cohort.name)
    )
    return [(r[0], f"{r[1]} ({r[2]})", r[3]) for r in rows]


def people_with_role(role: str) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name, User.email)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, User.active.is_(True))
        .order_by(User.name)
    )
    return [(r.id, f"{r.name} <{r.email}>") for r in rows]


def trainees() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name, TraineeProfile.gmc_number)
        .join(TraineeProfile, TraineeProfile.user_id == User.id)
        .order_by(User.name)
    )
    return [(r.id, f"{r.name} – GMC {r.gmc_number}") for r in rows]


def fill_profile_choices(form) -> dict[int, int]:
    """Fill a profile form's selects; returns cohort id → region id for the consistency check."""
    form.curriculum_version.choices = [("", "Choose a curriculum")] + curricula.version_choices()
    form.region_id.choices = [("", "Choose a region")] + regions()
    all_cohorts = cohorts()
    form.cohort_id.choices = [("", "No cohort")] + [(c[0], c[1]) for c in all_cohorts]
    return {c[0]: c[2] for c in all_cohorts}
