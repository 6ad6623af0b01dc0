"""Shared set-up for the attack tests: a London region with a 2021 trainee, their evidence, a Faculty Tutor (Pain)
and a director; signing in through the real login form."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from tests.factories import DirectorFactory, EvidenceFactory, RegionFactory, TraineeFactory, UserFactory, direct
from tests.support.clients import Browser
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import HaloRequest, RoleScope
from trainee_portal.summaries import progress


def as_user(app, user) -> Browser:
    browser = Browser(app)
    assert browser.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    return browser


def tutor(region, role="faculty_tutor"):
    user = UserFactory(roles=(role,))
    db.session.add(RoleScope(user_id=user.id, role=role, region_id=region.id))
    db.session.commit()
    return user


class World:
    def __init__(self):
        self.region = RegionFactory(name="London")
        self.trainee = TraineeFactory(profile__region=self.region, profile__current_stage="basic")
        self.code = curricula.curriculum("2021").stage_for_level("basic").competencies[0].code
        self.draft = EvidenceFactory(trainee=self.trainee, status="draft", stage_level="basic", codes=(self.code,))
        self.tutor = tutor(self.region)
        self.director = DirectorFactory()
        direct(self.director, region=self.region)
        progress.refresh_trainee(self.trainee.id)
        db.session.commit()


def latest_halo() -> HaloRequest | None:
    db.session.expire_all()
    return db.session.scalar(select(HaloRequest).order_by(HaloRequest.id.desc()))
