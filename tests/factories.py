"""factory_boy factories for the people and records tests need; every account's password is TEST_PASSWORD."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from werkzeug.security import generate_password_hash

from tests.conftest import TEST_PASSWORD
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import (
    Cohort,
    DirectorScope,
    Region,
    SupervisorAssignment,
    TraineeProfile,
    User,
)

_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000")


def _set_roles(user, create, roles):
    user.set_roles(roles)
    if create:
        db.session.commit()


def _roles(*default):
    return factory.PostGeneration(lambda user, create, extracted, **kw: _set_roles(user, create, extracted or default))


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 (the app context's session)
        sqlalchemy_session_persistence = "commit"


class RegionFactory(BaseFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")


class CohortFactory(BaseFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    region = factory.SubFactory(RegionFactory)
    intake_year = 2024


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.nhs.uk")
    name = factory.Sequence(lambda n: f"Dr User {n}")
    password_hash = _HASH
    active = True

    roles = factory.PostGeneration(lambda user, create, extracted, **kw: _set_roles(user, create, extracted or ()))


class TraineeFactory(UserFactory):
    """A user with the trainee role and a profile."""

    roles = _roles("trainee")

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        region = kwargs.pop("region", None) or RegionFactory()
        cohort = kwargs.pop("cohort", None)
        values = dict(
            gmc_number=f"{7000000 + self.id:07d}",
            curriculum_version="2021",
            current_stage="higher",
            programme_start=clock.today() - timedelta(days=900),
            stage_started_on=clock.today() - timedelta(days=60),
            region_id=region.id,
            cohort_id=cohort.id if cohort else None,
        )
        values.update(kwargs)
        db.session.add(TraineeProfile(user_id=self.id, **values))
        db.session.commit()


class SupervisorFactory(UserFactory):
    roles = _roles("supervisor")


class DirectorFactory(UserFactory):
    roles = _roles("director")


class AdminFactory(UserFactory):
    roles = _roles("admin")


def assign(
    supervisor: User, trainee: User, kind: str = "educational", starts_on: date | None = None, ends_on: date | None = None
) -> SupervisorAssignment:
    assignment = SupervisorAssignment(
        supervisor_id=supervisor.id,
        trainee_id=trainee.id,
        kind=kind,
        starts_on=starts_on or clock.today() - timedelta(days=30),
        ends_on=ends_on,
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment


def direct(director: User, region: Region | None = None, cohort: Cohort | None = None) -> DirectorScope:
    scope = DirectorScope(
        director_id=director.id, region_id=region.id if region else None, cohort_id=cohort.id if cohort else None
    )
    db.session.add(scope)
    db.session.commit()
    return scope
