"""An account holding both the trainee and director roles (a senior trainee made deputy director of their own region)
acted on its own record through policy.directs, which, unlike supervises and reviews_halos_of, never excluded the
user themself: they confirmed their own GMC/FPM record, recorded their own ARCP outcome, kept their own LTFT/leave
periods and moved themselves between curriculum versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.app.attacks.helpers import as_user
from tests.factories import ExamPrerequisiteFactory, RegionFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, CurriculumTransition, ExamPrerequisite, TrainingPeriod


@pytest.fixture
def both(app):
    region = RegionFactory()
    user = TraineeFactory(profile__region=region, profile__curriculum_version="2010", profile__current_stage="advanced")
    user.set_roles(["trainee", "director"])
    db.session.commit()
    direct(user, region=region)
    other = TraineeFactory(profile__region=region)
    return user, other


def test_they_still_direct_the_other_trainees(app, both):
    user, other = both
    assert as_user(app, user).post(f"/training-time/{other.id}/new", data=_leave()).status_code == 302


def _leave():
    return {"kind": "leave", "starts_on": (clock.today() - timedelta(days=3)).isoformat()}


def test_cannot_confirm_own_prerequisites(app, both):
    user, _ = both
    row = ExamPrerequisiteFactory(trainee=user)
    db.session.commit()
    browser = as_user(app, user)
    assert browser.post(f"/exams/prerequisites/{user.id}/confirm", data={"record_id": row.id}).status_code == 403
    data = {"gmc_registered_on": "2016-08-03", "fpm_status": "none", "confirm": "y"}
    browser.post(f"/exams/prerequisites/{user.id}", data=data)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(ExamPrerequisite.confirmed_on.is_not(None))) == 0


def test_cannot_record_own_arcp(app, both):
    user, _ = both
    data = {"training_year": "ST5", "outcome": "1", "panel_date": clock.days_ago(3).isoformat(), "notes": "Fine."}
    assert as_user(app, user).post(f"/cohort/trainee/{user.id}/arcp", data=data).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ArcpOutcome)) == 0


def test_cannot_keep_own_training_periods(app, both):
    user, _ = both
    assert as_user(app, user).post(f"/training-time/{user.id}/new", data=_leave()).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(TrainingPeriod)) == 0


def test_cannot_move_own_curriculum(app, both):
    user, _ = both
    data = {"to_version": "2021", "effective_on": clock.today().isoformat(), "note": ""}
    assert as_user(app, user).post(f"/transitions/{user.id}", data=data).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CurriculumTransition)) == 0
