"""Panel packs: what the panel saw is the record at the end of the cut-off day, frozen once; later entries,
signatures and edits never reach it; outcomes are recorded against it; a rewritten pack is caught."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from flask import g
from sqlalchemy import select, text

from competencies import panel_pack
from tests.conftest import TEST_PASSWORD
from tests.factories import DirectorFactory, EvidenceFactory, RegionFactory, SupervisorFactory, TraineeFactory, assign, direct
from trainee_portal import audit, curricula, integrity
from trainee_portal.extensions import db
from trainee_portal.logbook import services as logbook
from trainee_portal.logbook.services import FORM_FIELDS
from trainee_portal.models import ArcpOutcome, ArcpPanel, ArcpPanelTrainee, AuditRecord, PanelPack
from trainee_portal.packs import services
from trainee_portal.panels import services as panel_services
from trainee_portal.signoff import services as signoff

CUTOFF = date(2027, 3, 8)  # a Monday; the panel two weeks later
PANEL_DAY = date(2027, 3, 22)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2027, 3, day, hour)


@pytest.fixture
def people(app, clock):
    clock.set(at(1))
    region = RegionFactory()
    director, supervisor = DirectorFactory(), SupervisorFactory()
    direct(director, region=region)
    trainee = TraineeFactory(name="Dr Zoë Ó Briain", profile__region=region)
    other = TraineeFactory(profile__region=region)
    assign(supervisor, trainee)
    panel = ArcpPanel(
        region_id=region.id,
        panel_date=PANEL_DAY,
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=CUTOFF,
        created_by_id=director.id,
    )
    db.session.add(panel)
    db.session.flush()
    for who in (trainee, other):
        db.session.add(ArcpPanelTrainee(panel_id=panel.id, trainee_id=who.id, readiness="amber", readiness_detail="{}"))
    db.session.flush()
    audit.record("panel.scheduled", panel, panel_services._state(panel, sorted([trainee.id, other.id])), actor=director)
    db.session.commit()
    return type(
        "People", (), dict(region=region, director=director, supervisor=supervisor, trainee=trainee, other=other, panel=panel)
    )


def submitted(people, title, clock, when):
    clock.set(when)
    entry = EvidenceFactory(trainee=people.trainee, title=title)
    request = signoff.request_signoff(people.trainee, entry, supervisor=people.supervisor)
    db.session.commit()
    return entry, request


def sign(people, request, clock, when):
    clock.set(when)
    signoff.sign(request, level="2b", feedback="", seen_hash=request.evidence.content_hash, decider=people.supervisor)
    db.session.commit()


def edit_title(people, entry, title, clock, when):
    clock.set(when)
    signoff.withdraw_for_edit(people.trainee, entry)
    values = {name: getattr(entry, name) for name in FORM_FIELDS}
    values.update(title=title, notes=entry.notes, reflection=entry.reflection, competencies=list(entry.competency_codes))
    profile = people.trainee.trainee_profile
    logbook.update(
        people.trainee, entry, profile, curricula.curriculum(profile.curriculum_version), values, None, entry.row_version
    )
    db.session.commit()


def test_the_pack_is_the_record_at_the_end_of_the_cut_off_day(client, login, people, clock):
    signed_before, request_a = submitted(people, "Signed before the cut-off", clock, at(2))
    sign(people, request_a, clock, at(3))
    waiting, request_b = submitted(people, "Awaiting at the cut-off", clock, at(5))
    edited, _ = submitted(people, "Title at the cut-off", clock, at(8, 20))  # 20:00 UTC on the cut-off day
    hash_then = edited.content_hash
    clock.set(at(6))
    EvidenceFactory(trainee=people.trainee, title="Still a draft")
    # After the cut-off (midnight UK): a new entry, a signature on the waiting one, an edit of another.
    late, _ = submitted(people, "Made after the cut-off", clock, at(9, 1))
    sign(people, request_b, clock, at(9, 2))
    edit_title(people, edited, "Title changed after the cut-off", clock, at(9, 3))

    clock.set(at(9, 9))
    login(people.trainee)
    response = client.get(f"/packs/panel/{people.panel.id}/trainee/{people.trainee.id}")
    assert response.status_code == 302
    pack = db.session.scalar(select(PanelPack).where(PanelPack.trainee_id == people.trainee.id))
    document = json.loads(pack.items)
    by_title = {item["title"]: item for item in document["evidence"]}
    assert set(by_title) == {"Signed before the cut-off", "Awaiting at the cut-off", "Title changed after the cut-off"}
    assert by_title["Signed before the cut-off"]["status"] == panel_pack.SIGNED
    assert by_title["Signed before the cut-off"]["signatures"][0]["counted"] is True
    assert by_title["Awaiting at the cut-off"]["status"] == panel_pack.AWAITING
    assert by_title["Awaiting at the cut-off"]["signatures"] == []  # signed after the cut-off: not shown as signed
    changed = by_title["Title changed after the cut-off"]
    assert changed["content_hash"] == hash_then and changed["edited_after_cutoff"] is True
    member = db.session.scalar(select(ArcpPanelTrainee).where(ArcpPanelTrainee.trainee_id == people.trainee.id))
    assert pack.items_sha256 == panel_pack.sha256(pack.items) and pack.readiness == member.readiness  # as at the cut-off
    assert document["readiness"]["colour"] == member.readiness
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "panel_pack.frozen")).subject_id == pack.id

    page = client.get(response.headers["Location"]).data.decode()
    assert "Signed before the cut-off" in page and "Made after the cut-off" not in page and "Still a draft" not in page
    assert "Dr Zoë Ó Briain" in page

    # Later changes never alter it.
    frozen_text = pack.items
    sign(people, late.signoff_requests[0] if hasattr(late, "signoff_requests") else signoff.pending_request(late), clock, at(10))
    clock.set(at(11))
    EvidenceFactory(trainee=people.trainee, title="Two days after the cut-off", status="submitted")
    assert client.get(f"/packs/panel/{people.panel.id}/trainee/{people.trainee.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(PanelPack, pack.id).items == frozen_text
    assert db.session.scalar(select(db.func.count()).select_from(PanelPack)) == 1
    assert "Two days after the cut-off" not in client.get(f"/packs/{pack.id}").data.decode()


def test_before_the_cut_off_day_is_over_there_is_no_pack(client, login, people, clock):
    clock.set(datetime(2027, 3, 8, 23, 30))  # 23:30 UTC on the cut-off day (no summer time in March before the 28th)
    login(people.trainee)
    response = client.get(f"/packs/panel/{people.panel.id}/trainee/{people.trainee.id}")
    assert response.status_code == 200 and "frozen" in response.data.decode()
    assert db.session.scalar(select(db.func.count()).select_from(PanelPack)) == 0


def test_the_cut_off_day_ends_at_midnight_in_the_uk():
    assert panel_pack.cutoff_instant(date(2027, 3, 8)) == datetime(2027, 3, 9, 0, 0)
    assert panel_pack.cutoff_instant(date(2027, 6, 8)) == datetime(2027, 6, 8, 23, 0)  # BST: 23:00 UTC


def test_only_the_trainee_and_their_directors_open_a_pack(app, people, clock):
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    outsider = DirectorFactory()
    direct(outsider, region=RegionFactory())
    cases = ((people.other, 403), (outsider, 403), (people.supervisor, 403), (people.director, 200), (people.trainee, 200))
    for user, expected in cases:
        g.pop("_login_user", None)  # tests share one app context: Flask-Login's per-request cache would leak between clients
        client = app.test_client()
        assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
        assert client.get(f"/packs/{pack.id}").status_code == expected, user.email
        opened = client.get(f"/packs/panel/{people.panel.id}/trainee/{people.trainee.id}").status_code
        assert opened == (302 if expected == 200 else 403), user.email


def test_the_outcome_is_recorded_against_the_pack(client, login, people, clock):
    _entry, request = submitted(people, "Signed in time", clock, at(2))
    sign(people, request, clock, at(3))
    clock.set(at(12))
    pack = services.freeze(people.panel, people.trainee.id)
    EvidenceFactory(trainee=people.trainee, title="After the cut-off", status="submitted")
    login(people.director)
    early = client.get(f"/packs/{pack.id}/outcome")
    assert early.status_code == 302  # the panel has not met yet
    client.post("/logout")
    login(people.trainee)
    assert client.post(f"/packs/{pack.id}/outcome", data={"outcome": "1"}).status_code == 403
    clock.set(at(22, 15))
    client.post("/logout")
    login(people.director)
    bad = client.post(f"/packs/{pack.id}/outcome", data={"outcome": "99"})
    assert bad.status_code == 400 and "Not a valid choice" in bad.data.decode()
    response = client.post(f"/packs/{pack.id}/outcome", data={"outcome": "1", "notes": "Good progress."})
    assert response.status_code == 302
    outcome = db.session.scalar(select(ArcpOutcome).where(ArcpOutcome.trainee_id == people.trainee.id))
    assert (outcome.panel_pack_id, outcome.training_year, outcome.panel_date) == (pack.id, "ST6", PANEL_DAY)
    assert json.loads(outcome.evidence_summary)["evidence_total"] == 1  # the pack's, not today's two
    again = client.post(f"/packs/{pack.id}/outcome", data={"outcome": "2"})
    assert again.status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(ArcpOutcome)) == 1
    assert "outcome 1" in client.get(f"/packs/{pack.id}").data.decode()


def test_the_daily_command_freezes_each_due_pack_once(app, people, clock):
    clock.set(at(8, 12))
    runner = app.test_cli_runner()
    assert "Froze 0 panel packs" in runner.invoke(args=["freeze-panel-packs"]).output
    clock.set(at(9, 0))
    assert "Froze 2 panel packs" in runner.invoke(args=["freeze-panel-packs"]).output
    assert "Froze 0 panel packs" in runner.invoke(args=["freeze-panel-packs"]).output
    cancelled = ArcpPanel(
        region_id=people.region.id,
        panel_date=PANEL_DAY,
        training_year="ST7",
        cutoff_working_days=10,
        cutoff_date=CUTOFF,
        created_by_id=people.director.id,
        cancelled_at=at(2),
    )
    db.session.add(cancelled)
    db.session.flush()
    db.session.add(ArcpPanelTrainee(panel_id=cancelled.id, trainee_id=people.trainee.id))
    db.session.commit()
    assert "Froze 0 panel packs" in runner.invoke(args=["freeze-panel-packs"]).output
    assert services.freeze(cancelled, people.trainee.id) is None


def test_a_pack_frozen_twice_at_once_is_one_pack(people, clock):
    clock.set(at(10))
    first = services.freeze(people.panel, people.trainee.id)
    assert services.freeze(people.panel, people.trainee.id).id == first.id


def test_a_pack_rewritten_in_the_database_is_caught(people, clock):
    """A hostile administrator edits the pack and stores the new JSON's hash beside it: verify-audit still names it,
    since the audit chain holds the hash taken when it was frozen."""
    _entry, request = submitted(people, "Signed in time", clock, at(2))
    sign(people, request, clock, at(3))
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    assert integrity.verify_all().ok
    document = json.loads(pack.items)
    document["evidence"] = []
    forged = panel_pack.canonical(document)
    db.session.execute(
        text("UPDATE panel_pack SET items = :items, items_sha256 = :sha WHERE id = :id"),
        {"items": forged, "sha": panel_pack.sha256(forged), "id": pack.id},
    )
    db.session.commit()
    report = integrity.verify_all()
    assert not report.ok
    assert any(p.kind == "panel_pack" and "items" in p.detail for p in report.problems)


def test_an_outcome_moved_to_another_pack_is_caught(client, login, people, clock):
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    other_pack = services.freeze(people.panel, people.other.id)
    clock.set(at(22, 15))
    login(people.director)
    client.post(f"/packs/{pack.id}/outcome", data={"outcome": "1"})
    db.session.execute(text("UPDATE arcp_outcome SET panel_pack_id = :p"), {"p": other_pack.id})
    db.session.commit()
    report = integrity.verify_all()
    assert any(p.kind == "arcp_outcome" and "panel_pack_id" in p.detail for p in report.problems)
