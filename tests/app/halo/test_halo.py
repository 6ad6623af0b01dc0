"""HALO requests end to end: the trainee asks with their own evidence mapped to the stage, a Faculty Tutor (Pain) or
RAPM of the trainee's region signs or returns it, the stage is complete when it is signed; everyone else is refused."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select, update

from tests.conftest import TEST_PASSWORD
from tests.factories import (
    DirectorFactory,
    EvidenceFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    UserFactory,
    assign,
    direct,
)
from tests.support.clients import Browser
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.models import AuditRecord, HaloRequest, OutboxMessage, RoleScope, TraineeProgress
from trainee_portal.summaries import progress


def _tutor(region, role="faculty_tutor", **kwargs):
    user = UserFactory(roles=(role,), **kwargs)
    db.session.add(RoleScope(user_id=user.id, role=role, region_id=region.id))
    db.session.commit()
    return user


def _stage(level="basic"):
    return curricula.curriculum("2021").stage_for_level(level)


class World:
    def __init__(self):
        self.region, self.other_region = RegionFactory(name="London"), RegionFactory(name="North West")
        self.trainee = TraineeFactory(profile__region=self.region)
        self.other = TraineeFactory(profile__region=self.other_region)
        stage = _stage()
        code = stage.competencies[0].code
        self.entry = EvidenceFactory(trainee=self.trainee, status="signed", stage_level="basic", codes=(code,))
        self.unmapped = EvidenceFactory(trainee=self.trainee, codes=(_stage("higher").competencies[0].code,))
        self.others_entry = EvidenceFactory(trainee=self.other, status="signed", stage_level="basic", codes=(code,))
        self.tutor = _tutor(self.region)
        self.rapm = _tutor(self.region, role="rapm")
        self.outsider = _tutor(self.other_region)
        self.supervisor = SupervisorFactory()
        assign(self.supervisor, self.trainee)
        self.director = DirectorFactory()
        direct(self.director, region=self.region)
        progress.refresh_trainee(self.trainee.id)
        db.session.commit()


def _as(app, user):
    browser = Browser(app)
    assert browser.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    return browser


def _ask(app, world, ids, stage_key="stage-1", statement="My evidence."):
    return _as(app, world.trainee).post(f"/halo/ask/{stage_key}", data={"evidence": ids, "statement": statement})


def _request():
    db.session.expire_all()
    return db.session.scalar(select(HaloRequest).order_by(HaloRequest.id.desc()))


def test_trainee_asks_with_own_mapped_evidence_and_the_tutor_is_told(app):
    world = World()
    page = _as(app, world.trainee).get("/basic/").get_data(as_text=True)
    assert "Ask for the HALO" in page and "Not requested yet" in page
    response = _ask(app, world, [world.entry.id])
    assert response.status_code == 302
    req = _request()
    assert req.status == "requested" and req.stage_key == "stage-1"
    assert [(e.evidence_id, e.content_hash, e.row_version) for e in req.evidence] == [
        (world.entry.id, world.entry.content_hash, world.entry.row_version)
    ]
    told = db.session.scalars(select(OutboxMessage.user_id).where(OutboxMessage.category == "halo.requested")).all()
    assert sorted(told) == sorted([world.tutor.id, world.rapm.id])
    assert "Requested on" in _as(app, world.trainee).get("/basic/").get_data(as_text=True)


@pytest.mark.parametrize("which", ["others_entry", "unmapped", "none"])
def test_another_trainees_unmapped_or_no_evidence_is_refused(app, which):
    world = World()
    ids = [] if which == "none" else [getattr(world, which).id]
    response = _ask(app, world, ids)
    assert response.status_code == 400
    assert db.session.scalar(select(HaloRequest.id)) is None


def test_second_open_request_is_refused(app):
    world = World()
    assert _ask(app, world, [world.entry.id]).status_code == 302
    again = _ask(app, world, [world.entry.id])
    assert again.status_code == 302 and "/halo/" in again.headers["Location"]
    assert len(db.session.scalars(select(HaloRequest)).all()) == 1
    from trainee_portal.halo import services

    with pytest.raises(services.HaloError):
        services.request_halo(world.trainee, "stage-1", [world.entry.id], "")
    db.session.rollback()


def test_tutor_in_region_signs_and_the_stage_is_complete(app):
    world = World()
    _ask(app, world, [world.entry.id])
    req = _request()
    tutor = _as(app, world.tutor)
    assert "Signed off" in tutor.get(f"/halo/{req.id}").get_data(as_text=True)  # the evidence with its status
    assert world.trainee.name in tutor.get("/halo/").get_data(as_text=True)
    assert tutor.get(f"/logbook/{world.entry.id}").status_code == 200  # evidence the request names
    assert tutor.get(f"/logbook/{world.unmapped.id}").status_code == 403  # and nothing else
    response = tutor.post(f"/halo/{req.id}/decide", data={"decision": "sign", "comment": "All key capabilities shown."})
    assert response.status_code == 302
    req = _request()
    assert req.status == "signed" and req.decided_by_id == world.tutor.id
    row = db.session.get(TraineeProgress, (world.trainee.id, "stage-1"), populate_existing=True)
    assert row.complete and not row.ready_for_signoff
    assert db.session.scalar(select(OutboxMessage.user_id).where(OutboxMessage.category == "halo.signed")) == world.trainee.id
    actions = [
        r.action
        for r in db.session.scalars(select(AuditRecord).where(AuditRecord.subject_type == "halo").order_by(AuditRecord.id))
    ]
    assert actions == ["halo.requested", "halo.signed"]
    page = _as(app, world.trainee).get("/basic/").get_data(as_text=True)
    assert f"Signed by {world.tutor.name}" in page and "Ask for the HALO" not in page
    report = verify_all()  # the factory's signed evidence has no signature rows: only the HALO's findings matter here
    assert report.checked["HALO requests"] == 1 and not [p for p in report.problems if p.kind == "halo_request"]
    db.session.execute(update(HaloRequest).values(decided_by_id=world.outsider.id))  # changed outside the app
    db.session.commit()
    assert [p.kind for p in verify_all().problems if p.kind == "halo_request"] == ["halo_request"]


def test_returned_with_reason_then_asked_again(app):
    world = World()
    _ask(app, world, [world.entry.id])
    req = _request()
    rapm = _as(app, world.rapm)
    empty = rapm.post(f"/halo/{req.id}/decide", data={"decision": "return", "comment": "  "})
    assert empty.status_code == 400 and "Enter the reason for returning the HALO" in empty.get_data(as_text=True)
    assert _request().status == "requested"
    assert rapm.post(f"/halo/{req.id}/decide", data={"decision": "return", "comment": "No DOPS yet."}).status_code == 302
    assert _request().status == "returned"
    page = _as(app, world.trainee).get("/basic/").get_data(as_text=True)
    assert "No DOPS yet." in page and "Ask for the HALO" in page
    assert _ask(app, world, [world.entry.id]).status_code == 302
    assert _request().status == "requested"


@pytest.mark.parametrize("who", ["outsider", "supervisor", "director", "trainee", "other"])
def test_only_a_tutor_or_rapm_of_the_region_decides(app, who):
    world = World()
    _ask(app, world, [world.entry.id])
    req = _request()
    response = _as(app, getattr(world, who)).post(f"/halo/{req.id}/decide", data={"decision": "sign", "comment": ""})
    assert response.status_code == 403
    assert _request().status == "requested"


def test_trainee_holding_the_tutor_role_never_decides_their_own(app):
    world = World()
    world.trainee.set_roles(["trainee", "faculty_tutor"])
    db.session.add(RoleScope(user_id=world.trainee.id, role="faculty_tutor", region_id=world.region.id))
    db.session.commit()
    _ask(app, world, [world.entry.id])
    req = _request()
    trainee = _as(app, world.trainee)
    assert trainee.post(f"/halo/{req.id}/decide", data={"decision": "sign"}).status_code == 403
    assert f'/halo/{req.id}"' not in trainee.get("/halo/").get_data(as_text=True)  # not in their queue


def test_trainee_withdraws(app):
    world = World()
    _ask(app, world, [world.entry.id])
    req = _request()
    assert _as(app, world.trainee).post(f"/halo/{req.id}/withdraw").status_code == 302
    assert _request().status == "withdrawn"
    payload = json.loads(db.session.scalars(select(AuditRecord.payload).order_by(AuditRecord.id.desc())).first())
    assert payload["status"] == "withdrawn"


def test_a_2010_trainee_cannot_ask(app):
    trainee = TraineeFactory(profile__curriculum_version="2010", profile__current_stage="advanced")
    assert _as(app, trainee).get("/halo/ask/stage-1").status_code == 404


def test_admin_gives_a_region_to_a_faculty_tutor(app):
    admin = UserFactory(roles=("admin",))
    region = RegionFactory(name="Wales")
    tutor = UserFactory(roles=("faculty_tutor",))
    browser = _as(app, admin)
    response = browser.post(
        f"/admin/users/{tutor.id}/role-scopes", data={"scope-role": "faculty_tutor", "scope-region_id": region.id}
    )
    assert response.status_code == 302
    scope = db.session.scalar(select(RoleScope))
    assert (scope.user_id, scope.role, scope.region_id) == (tutor.id, "faculty_tutor", region.id)
    assert db.session.scalar(select(AuditRecord.action).order_by(AuditRecord.id.desc())) == "role_scope.added"
    refused = browser.post(f"/admin/users/{tutor.id}/role-scopes", data={"scope-role": "rapm", "scope-region_id": region.id})
    assert refused.status_code == 400
    assert browser.post(f"/admin/role-scopes/{scope.id}/remove").status_code == 302
    assert db.session.scalar(select(RoleScope)) is None


def test_the_database_refuses_a_second_open_request_that_raced_past_the_check(app):
    from sqlalchemy.exc import IntegrityError

    from trainee_portal.models import HaloRequest as Row

    world = World()
    db.session.add(Row(trainee_id=world.trainee.id, curriculum_version="2021", stage_key="stage-1"))
    db.session.commit()
    db.session.add(Row(trainee_id=world.trainee.id, curriculum_version="2021", stage_key="stage-1", status="returned"))
    db.session.commit()  # closed requests may be many
    db.session.add(Row(trainee_id=world.trainee.id, curriculum_version="2021", stage_key="stage-1"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_stage_closed_by_its_halo_is_never_flagged_behind(app):
    world = World()
    profile = world.trainee.trainee_profile
    profile.current_stage, profile.stage_started_on = "basic", profile.stage_started_on.replace(year=2015)
    progress.refresh_trainee(world.trainee.id)
    db.session.commit()
    director = _as(app, world.director)
    assert world.trainee.name in director.get("/cohort?flag=behind").get_data(as_text=True)  # years in, little done
    assert re.search(r">\s*Behind\s*<", director.get(f"/dashboard?trainee={world.trainee.id}").get_data(as_text=True))
    _ask(app, world, [world.entry.id])
    _as(app, world.tutor).post(f"/halo/{_request().id}/decide", data={"decision": "sign", "comment": "Shown."})
    assert world.trainee.name not in director.get("/cohort?flag=behind").get_data(as_text=True)
    dashboard = director.get(f"/dashboard?trainee={world.trainee.id}").get_data(as_text=True)
    assert not re.search(r">\s*Behind\s*<", dashboard) and re.search(r">\s*On track\s*<", dashboard)


def test_the_halo_of_an_sia_the_trainee_does_not_follow_is_not_asked(app):
    world = World()
    profile = world.trainee.trainee_profile
    profile.sia_stage_key = "sia-acute-inpatient"
    db.session.commit()
    trainee = _as(app, world.trainee)
    assert trainee.get("/halo/ask/sia-pain").status_code == 404
    assert trainee.post("/halo/ask/sia-pain", data={"evidence": [world.entry.id], "statement": "x"}).status_code == 404
    assert trainee.get("/halo/ask/sia-acute-inpatient").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(HaloRequest)) == 0
