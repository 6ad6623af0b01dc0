"""factory_boy factories for the people and records tests need; every account's password is TEST_PASSWORD.
Rows are built the way the app's services leave them (evidence hashed and counted in progress, decided requests
counted in response times), so a test that builds rows directly sees what the routes would have stored."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from werkzeug.security import generate_password_hash

from tests.conftest import TEST_PASSWORD
from tests.support import clock
from trainee_portal import models
from trainee_portal.extensions import db
from trainee_portal.signoff.links import hash_token
from trainee_portal.summaries import progress, response_times, trainee_summary

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
        model = models.Region

    name = factory.Sequence(lambda n: f"Region {n}")


class CohortFactory(BaseFactory):
    class Meta:
        model = models.Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    region = factory.SubFactory(RegionFactory)
    intake_year = 2024


class UserFactory(BaseFactory):
    class Meta:
        model = models.User

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
        db.session.add(models.TraineeProfile(user_id=self.id, **values))
        db.session.commit()


class SupervisorFactory(UserFactory):
    roles = _roles("supervisor")


class DirectorFactory(UserFactory):
    roles = _roles("director")


class AdminFactory(UserFactory):
    roles = _roles("admin")


def first_code(version: str = "2021", level: str = "higher") -> str:
    """The first competency of a curriculum's stage at `level`."""
    from trainee_portal import curricula

    return curricula.curriculum(version).stage_for_level(level).competencies[0].code


class EvidenceFactory(BaseFactory):
    """An entry linked to the competencies in `codes`, hashed and counted in its trainee's progress as
    evidence.services.create leaves one: by default a draft pain clinic at 2b, five days ago, for S3_PM_01."""

    class Meta:
        model = models.EvidenceEntry

    trainee = factory.SubFactory(TraineeFactory)
    evidence_type = "logbook.clinic"
    stage_level = "higher"
    occurred_on = factory.LazyFunction(lambda: clock.days_ago(5))
    title = "Pain clinic"
    supervision_level = "2b"
    status = "draft"
    codes = ("S3_PM_01",)

    @classmethod
    def _create(cls, model_class, *args, codes=(), **kwargs):
        entry = model_class(*args, **kwargs)
        entry.competencies = [models.EvidenceCompetency(competency_code=code) for code in codes]
        db.session.add(entry)
        db.session.flush()
        entry.content_hash = entry.compute_content_hash()
        progress.record_change(entry.trainee_id, progress.contribution(None), progress.contribution(entry))
        db.session.commit()
        return entry


class WorkplaceAssessmentFactory(EvidenceFactory):
    """A workplace-based assessment three days ago (the DOPS and CBD factories; the default clinic is five days ago)."""

    occurred_on = factory.LazyFunction(lambda: clock.days_ago(3))


class DopsFactory(WorkplaceAssessmentFactory):
    """A draft DOPS in theatre three days ago, for the first Stage 3 competency."""

    evidence_type = "wba.dops"
    title = "Medial branch block"
    setting = "theatre"
    notes = "Anonymised account of the procedure."
    codes = factory.LazyFunction(lambda: (first_code(),))


class ProcedureFactory(EvidenceFactory):
    """A draft logbook epidural under ultrasound, for S3_PM_03 (logged procedures)."""

    evidence_type = "logbook.procedure"
    title = "Block"
    technique = "epidural"
    guidance = "ultrasound"
    codes = ("S3_PM_03",)


class CaseDiscussionFactory(WorkplaceAssessmentFactory):
    """A signed case-based discussion at level 3 three days ago: evidence that counts towards S3_PM_01."""

    evidence_type = "wba.cbd"
    title = "Case"
    supervision_level = "3"
    status = "signed"


class SignOffRequestFactory(BaseFactory):
    """A trainee's request for their supervisor's sign-off of an entry (pending by default). A decided one
    (decided_at given) is counted in the supervisor's response times as signoff.services.sign counts it."""

    class Meta:
        model = models.SignOffRequest

    class Params:
        trainee = None  # without `evidence`: whose submitted case discussion the request is for

    evidence = factory.Maybe(
        "trainee",
        yes_declaration=factory.SubFactory(CaseDiscussionFactory, status="submitted", trainee=factory.SelfAttribute("..trainee")),
        no_declaration=factory.SubFactory(CaseDiscussionFactory, status="submitted"),
    )
    requested_by_id = factory.SelfAttribute("evidence.trainee_id")
    supervisor = factory.SubFactory(SupervisorFactory)
    status = "pending"

    @factory.post_generation
    def response_time(request, create, extracted, **kwargs):
        if create and request.decided_at is not None:
            response_times.record_decision(request, request.decided_at)
            db.session.commit()

    @factory.post_generation
    def waiting(request, create, extracted, **kwargs):
        """The trainee's pending sign-offs in their summary row, as the sign-off services keep them."""
        if create:
            trainee_summary.refresh_pending(request.requested_by_id)
            db.session.commit()


class AssessorLinkFactory(SignOffRequestFactory):
    """A request emailed to an outside assessor: a live one-time link (stored as the hash of `token`) for three days."""

    class Params:
        token = factory.Sequence(lambda n: f"assessor-link-token-{n:06d}-0123456789-0123456789")

    supervisor = None
    assessor_email = "assessor@nhs.example"
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: clock.now() + timedelta(days=3))


class SignOffFactory(BaseFactory):
    """A supervisor's signature on an entry, with the signed request behind it, the entry signed and its progress
    moved, as the sign-off feature leaves them."""

    class Meta:
        model = models.SignOff

    evidence = factory.SubFactory(EvidenceFactory)
    signer = factory.SubFactory(SupervisorFactory)
    feedback = "Good"

    @classmethod
    def _create(cls, model_class, *args, evidence, signer, **kwargs):
        before = progress.contribution(evidence)
        request = models.SignOffRequest(
            evidence_id=evidence.id,
            requested_by_id=evidence.trainee_id,
            supervisor_id=signer.id,
            status="signed",
            decided_by_id=signer.id,
        )
        db.session.add(request)
        db.session.flush()
        evidence.status = "signed"
        kwargs.setdefault("supervision_level", evidence.supervision_level or "2b")
        kwargs.setdefault("content_hash", evidence.content_hash)
        signoff = model_class(*args, evidence_id=evidence.id, request_id=request.id, signer_id=signer.id, **kwargs)
        db.session.add(signoff)
        db.session.flush()
        progress.record_change(evidence.trainee_id, before, progress.contribution(evidence))
        db.session.commit()
        return signoff


def _refresh_exams(row, create, extracted, **kwargs):
    """The trainee's exam fields in their summary row, as the exam services keep them."""
    if create:
        trainee_summary.refresh_exams(row.trainee_id)
        db.session.commit()


class ExamSittingFactory(BaseFactory):
    """A sitting `days_from_today` away (default: today) whose application window, as (opens, closes) in days from
    today, is `window` (default: closed, 120 to 90 days before the sitting)."""

    class Meta:
        model = models.ExamSitting
        sqlalchemy_get_or_create = ("part", "sits_on")  # one sitting a part a day: asking again finds it

    class Params:
        days_from_today = 0
        window = None

    part = "MCQ"
    sits_on = factory.LazyAttribute(lambda o: clock.today() + timedelta(days=o.days_from_today))
    opens_on = factory.LazyAttribute(
        lambda o: clock.today() + timedelta(days=o.window[0]) if o.window else o.sits_on - timedelta(days=120)
    )
    closes_on = factory.LazyAttribute(
        lambda o: clock.today() + timedelta(days=o.window[1]) if o.window else o.sits_on - timedelta(days=90)
    )


class ExamAttemptFactory(BaseFactory):
    """A trainee's result at a sitting, recorded by the trainee unless `recorded_by_id` says otherwise."""

    class Meta:
        model = models.ExamAttempt
        exclude = ("trainee",)

    trainee = factory.SubFactory(TraineeFactory)
    trainee_id = factory.SelfAttribute("trainee.id")
    sitting = factory.SubFactory(ExamSittingFactory, days_from_today=-60)
    result = "pass"
    recorded_by_id = factory.SelfAttribute("trainee.id")
    exam_summary = factory.PostGeneration(_refresh_exams)


class RapmConfirmationFactory(BaseFactory):
    """A director's confirmation, today, that the trainee finished Stage 3 pain and started advanced training."""

    class Meta:
        model = models.RapmConfirmation
        exclude = ("trainee", "director")

    trainee = factory.SubFactory(TraineeFactory)
    director = factory.SubFactory(DirectorFactory)
    trainee_id = factory.SelfAttribute("trainee.id")
    confirmed_by_id = factory.SelfAttribute("director.id")
    confirmed_on = factory.LazyFunction(clock.today)
    advanced_training_started_on = factory.LazyFunction(lambda: clock.days_ago(200))
    exam_summary = factory.PostGeneration(_refresh_exams)


class ExamPrerequisiteFactory(BaseFactory):
    """The trainee's own record: GMC registered and an FPM member in good standing for years (not yet confirmed)."""

    class Meta:
        model = models.ExamPrerequisite
        exclude = ("trainee",)

    trainee = factory.SubFactory(TraineeFactory)
    trainee_id = factory.SelfAttribute("trainee.id")
    gmc_registered_on = factory.LazyFunction(lambda: clock.days_ago(3000))
    fpm_status = "member"
    fpm_applied_on = factory.LazyFunction(lambda: clock.days_ago(800))
    fpm_member_since = factory.LazyFunction(lambda: clock.days_ago(760))
    good_standing = True
    recorded_by_id = factory.SelfAttribute("trainee.id")
    exam_summary = factory.PostGeneration(_refresh_exams)


def assign(
    supervisor: models.User,
    trainee: models.User,
    kind: str = "educational",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> models.SupervisorAssignment:
    assignment = models.SupervisorAssignment(
        supervisor_id=supervisor.id,
        trainee_id=trainee.id,
        kind=kind,
        starts_on=starts_on or clock.today() - timedelta(days=30),
        ends_on=ends_on,
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment


def direct(
    director: models.User, region: models.Region | None = None, cohort: models.Cohort | None = None
) -> models.DirectorScope:
    scope = models.DirectorScope(
        director_id=director.id, region_id=region.id if region else None, cohort_id=cohort.id if cohort else None
    )
    db.session.add(scope)
    db.session.commit()
    return scope
