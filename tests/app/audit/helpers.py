"""The hostile-administrator tests' world and tools: real data built through the services, raw SQL, and verify-audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, text

from tests.app.logbook.helpers import post_certificate
from tests.app.signoff.helpers import Cast, cast, sign_via_app
from tests.factories import DopsFactory, ExamSittingFactory
from tests.support import clock
from trainee_portal.arcp import services as arcp
from trainee_portal.exams import services as exam_services
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, EvidenceEntry, ExamAttempt, SignOff, StageSignOff, TraineeProgress
from trainee_portal.signoff import services as signoff_services
from trainee_portal.summaries import progress


@dataclass
class World:
    people: Cast
    signed: EvidenceEntry
    signoff: SignOff
    draft: EvidenceEntry
    certificate: EvidenceEntry
    stage: StageSignOff
    exam: ExamAttempt
    outcome: ArcpOutcome


def build_world(client, login) -> World:
    """Real data built through the services and the routes: a signed entry, a draft, a certificate with a file,
    a stage sign-off, an exam attempt and an ARCP outcome."""
    people = cast()
    signed = DopsFactory(trainee=people.owner, title="Signed block")
    signoff = sign_via_app(client, login, people, signed)
    draft = DopsFactory(trainee=people.owner, title="Still a draft")
    login(people.owner)
    assert post_certificate(client, "course.pdf", setting="", title="Course certificate").status_code == 302
    client.post("/logout")
    certificate = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.title == "Course certificate"))
    progress.refresh_trainee(people.owner.id)
    row = db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == people.owner.id)).first()
    row.ready_for_signoff = True  # stands in for a stage whose every rule the core found met
    stage = signoff_services.sign_off_stage(people.supervisor, people.owner, row.stage_key, clock.today(), "Well done.")
    profile = people.owner.trainee_profile
    exam = exam_services.record_attempt(profile, ExamSittingFactory(days_from_today=-60), "fail", 48.5, None, people.director)
    outcome = arcp.record_outcome(
        profile,
        people.director,
        training_year="ST5",
        outcome="1",
        panel_date=clock.today() - timedelta(days=2),
        notes="Progressing well.",
    )
    db.session.commit()
    return World(people, signed, signoff, draft, certificate, stage, exam, outcome)


def run_sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def verify_audit(app):
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    return result.exit_code, result.output


def fails_naming(app, *fragments) -> str:
    code, output = verify_audit(app)
    assert code == 1, output
    for fragment in fragments:
        assert fragment in output, output
    return output
