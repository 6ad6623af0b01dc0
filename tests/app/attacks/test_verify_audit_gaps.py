"""A hostile DBA edits rows of the new features directly. verify-audit checked HALO requests and exam prerequisites
but not local rules, training periods or curriculum moves, each of which changes what a trainee's progress, stage end
or curriculum says."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from tests.app.attacks.helpers import World, as_user, latest_halo
from tests.factories import AdminFactory, CaseDiscussionFactory, DirectorFactory, RegionFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.models import CurriculumTransition, HaloEvidence, LocalRule, TrainingPeriod


def _kinds():
    return {p.kind for p in verify_all(limit=500).problems}


def _tamper(statement):
    db.session.execute(statement)
    db.session.commit()


def _rule(app):
    region = RegionFactory(name="Scotland")
    director = DirectorFactory()
    direct(director, region=region)
    trainee = TraineeFactory(profile__region=region)
    CaseDiscussionFactory(trainee=trainee, codes=("S3_PM_02",))
    data = {
        "curriculum_version": "2021",
        "competency_code": "S3_PM_02",
        "evidence_type": "wba.cbd",
        "minimum": "2",
        "supervision_level": "",
        "basis": "suggestion",
    }
    assert as_user(app, director).post(f"/rules/regions/{region.id}/new", data=data).status_code == 302
    return db.session.scalar(select(LocalRule))


def _baseline():
    return _kinds() - {"progress", "evidence", "signoff"}  # factory evidence has no signature rows


def test_a_local_rule_edited_in_the_database_is_found(app):
    rule = _rule(app)
    assert "local_rule" not in _baseline()
    _tamper(update(LocalRule).where(LocalRule.id == rule.id).values(minimum=1))
    assert "local_rule" in _kinds()


def test_a_local_rule_added_in_the_database_is_found(app):
    rule = _rule(app)
    _tamper(
        LocalRule.__table__.insert().values(
            region_id=rule.region_id,
            curriculum_version="2021",
            competency_code="S3_PM_01",
            evidence_type="wba.cbd",
            minimum=50,
            basis="suggestion",
            citation="",
            quote="",
            version=1,
            created_by_id=rule.created_by_id,
            created_at=clock.now(),
            signoff_required=False,
        )
    )
    assert "local_rule" in _kinds()


def _period(app):
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    data = {"kind": "ltft", "wte_percent": "60", "starts_on": (clock.today() - timedelta(days=30)).isoformat()}
    assert as_user(app, director).post(f"/training-time/{trainee.id}/new", data=data).status_code == 302
    return db.session.scalar(select(TrainingPeriod))


def test_a_training_period_edited_in_the_database_is_found(app):
    period = _period(app)
    assert "training_period" not in _baseline()
    _tamper(update(TrainingPeriod).where(TrainingPeriod.id == period.id).values(wte_percent=10))
    assert "training_period" in _kinds()


def test_a_training_period_deleted_in_the_database_is_found(app):
    period = _period(app)
    _tamper(delete(TrainingPeriod).where(TrainingPeriod.id == period.id))
    assert "training_period" in _kinds()


def test_a_curriculum_move_edited_in_the_database_is_found(app):
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region, profile__curriculum_version="2010", profile__current_stage="advanced")
    admin = AdminFactory()
    data = {"to_version": "2021", "effective_on": clock.today().isoformat(), "note": "Agreed at ARCP"}
    assert as_user(app, admin).post(f"/transitions/{trainee.id}", data=data).status_code == 302
    move = db.session.scalar(select(CurriculumTransition))
    assert "curriculum_transition" not in _baseline()
    _tamper(
        update(CurriculumTransition)
        .where(CurriculumTransition.id == move.id)
        .values(effective_on=clock.today() - timedelta(days=400))
    )
    assert "curriculum_transition" in _kinds()


def test_halo_evidence_swapped_in_the_database_is_found(app):
    world = World()
    assert (
        as_user(app, world.trainee).post("/halo/ask/stage-1", data={"evidence": [world.draft.id], "statement": "x"}).status_code
        == 302
    )
    req = latest_halo()
    assert "halo_request" not in _baseline()
    _tamper(update(HaloEvidence).where(HaloEvidence.request_id == req.id).values(content_hash="0" * 64))
    assert "halo_request" in _kinds()
