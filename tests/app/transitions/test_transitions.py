"""Moving a trainee between curricula: who may, what is refused, the audit record, and the credit the old evidence
keeps on the new stages, the cohort dashboard and the stage pages."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as make
from tests.factories import assign, direct
from tests.support import clock
from trainee_portal import curricula, integrity
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, CurriculumTransition, EvidenceTally, TraineeProfile, TraineeProgress
from trainee_portal.summaries import progress


@pytest.fixture
def london(app):
    region = make.RegionFactory(name="London")
    director = make.DirectorFactory(name="Dr London Director")
    direct(director, region=region)
    return region, director


def trainee_2010(region, stage="advanced", started_days_ago=300, name="Dr Tom Transition"):
    return make.TraineeFactory(
        name=name,
        profile__region=region,
        profile__curriculum_version="2010",
        profile__current_stage=stage,
        profile__stage_started_on=clock.days_ago(started_days_ago),
    )


def signed_off_2010(trainee, supervisor, **days_ago_by_level):
    """The trainee's 2010 stages signed off by the supervisor, each that many days ago (basic=700, ...)."""
    from trainee_portal.models import StageSignOff

    for level, days in days_ago_by_level.items():
        db.session.add(
            StageSignOff(
                trainee_id=trainee.id,
                curriculum_version="2010",
                stage_key=level,
                stage_level=level,
                signed_by_id=supervisor.id,
                signed_on=clock.days_ago(days),
            )
        )
    db.session.commit()


def complete_advanced_evidence(trainee, status="signed"):
    """Every 2010 Advanced rule met exactly, one entry per item (level 4 where a level is recorded)."""
    for competency in curricula.curriculum("2010").stage("advanced").competencies:
        for rule in competency.evidence:
            supervised = rule.evidence_type.startswith(("logbook.", "wba."))
            for _ in range(rule.minimum):
                make.EvidenceFactory(
                    trainee=trainee,
                    evidence_type=rule.evidence_type,
                    supervision_level="4" if supervised else None,
                    stage_level="advanced",
                    status=status,
                    codes=(competency.code,),
                    title=f"Evidence for {competency.code}",
                )


def move(client, trainee, **data):
    values = {"to_version": "2021", "effective_on": clock.today().isoformat(), "note": "Agreed at ARCP"} | data
    return client.post(f"/transitions/{trainee.id}", data=values)


def tallies(trainee_id):
    rows = db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id))
    return Counter({(t.competency_code, t.evidence_type, t.supervision_level, t.status): t.count for t in rows})


def test_admin_moves_a_2010_advanced_trainee_and_the_signed_evidence_counts_on_the_sia(client, login, london):
    region, _ = london
    trainee = trainee_2010(region)
    complete_advanced_evidence(trainee)
    started = trainee.trainee_profile.stage_started_on
    admin = make.AdminFactory()
    login(admin)
    assert f"/transitions/{trainee.id}" in client.get(f"/admin/users/{trainee.id}").data.decode()
    response = move(client, trainee)
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/advanced/?trainee={trainee.id}")

    profile = db.session.get(TraineeProfile, trainee.id)
    db.session.refresh(profile)
    assert (profile.curriculum_version, profile.current_stage, profile.stage_started_on) == ("2021", "advanced", started)
    row = db.session.scalar(select(CurriculumTransition).where(CurriculumTransition.trainee_id == trainee.id))
    assert (row.from_version, row.to_version, row.from_stage, row.to_stage) == ("2010", "2021", "advanced", "advanced")
    assert (row.effective_on, row.recorded_by_id, row.note) == (clock.today(), admin.id, "Agreed at ARCP")
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "curriculum.moved"))
    assert (record.trainee_id, record.actor_id, record.subject_id) == (trainee.id, admin.id, row.id)
    assert json.loads(record.payload)["to_version"] == "2021"

    sia = db.session.get(TraineeProgress, (trainee.id, "sia-pain"))
    assert 0 < sia.percent < 100 and sia.carried_percent == 100.0
    page = client.get(f"/advanced/?trainee={trainee.id}").data.decode()
    assert "Carried over from" in page and "Advanced → Stage 3 SIA Pain Medicine" in page
    assert "the competency pairs are an inference, not an official table" in page
    assert "PM_AS_01" in page and "SIA_PM_A" in page and "no 2021 counterpart" in page  # PM_AK_01 maps to nothing
    competency = client.get(f"/advanced/competency/SIA_PM_B?trainee={trainee.id}").data.decode()
    assert "recorded against 2010 PM_AS_01" in competency and "recorded against 2010 PM_AK_02" in competency
    # The tallies verify-audit expects include the credit (the factory's "signed" entries carry no signatures, so
    # only the progress findings are looked at here).
    assert not [p for p in integrity.verify_all(limit=500).problems if "progress summary" in str(p)]


def test_a_moved_trainee_is_not_flagged_behind_but_a_trainee_without_evidence_still_is(client, login, london):
    region, director = london
    moved = trainee_2010(region, name="Dr Moved Complete")
    complete_advanced_evidence(moved)
    idle = make.TraineeFactory(
        name="Dr Empty Sia",
        profile__region=region,
        profile__current_stage="advanced",
        profile__stage_started_on=clock.days_ago(300),
    )
    login(director)
    assert move(client, moved).status_code == 302
    page = client.get("/cohort").data.decode()
    row = page[page.index("Dr Moved Complete") : page.index("</tr>", page.index("Dr Moved Complete"))]
    assert 'data-flag="behind"' not in row
    empty = page[page.index("Dr Empty Sia") : page.index("</tr>", page.index("Dr Empty Sia"))]
    assert 'data-flag="behind"' in empty
    filtered = client.get("/cohort?flag=behind").data.decode()
    assert "Dr Empty Sia" in filtered and "Dr Moved Complete" not in filtered
    # The new stage's own percent alone would have flagged them: the carried percent is what keeps the flag off.
    assert db.session.get(TraineeProgress, (moved.id, "sia-pain")).percent < 85
    for trainee, tag in ((moved, "On track"), (idle, "Behind")):  # the trainee's own dashboard says the same
        client.post("/logout")
        login(trainee)
        assert f">{tag}<" in client.get("/dashboard").data.decode().replace("\n", "").replace("  ", "")


def test_one_entry_on_two_old_codes_of_one_new_code_counts_once_on_write_and_on_recompute(client, login, london):
    region, director = london
    trainee = trainee_2010(region, stage="basic")
    make.EvidenceFactory(
        trainee=trainee, evidence_type="wba.cbd", stage_level="basic", status="submitted", codes=("PM_BK_07", "PM_BK_08")
    )
    login(director)
    assert move(client, trainee).status_code == 302
    after_move = tallies(trainee.id)
    assert after_move[("S1_PM_02", "wba.cbd", "2b", "submitted")] == 1
    assert after_move[("S1_PM_04", "wba.cbd", "2b", "submitted")] == 1
    assert after_move[("PM_BK_07", "wba.cbd", "2b", "submitted")] == 1  # the old codes keep their own counts
    progress.recompute_all()
    db.session.commit()
    assert tallies(trainee.id) == after_move


def test_evidence_signed_after_the_move_moves_its_credit_too(client, login, london):
    region, director = london
    trainee = trainee_2010(region, stage="basic")
    entry = make.EvidenceFactory(
        trainee=trainee, evidence_type="wba.cbd", stage_level="basic", status="submitted", codes=("PM_BK_07",)
    )
    login(director)
    assert move(client, trainee).status_code == 302
    make.SignOffFactory(evidence=entry)
    counted = tallies(trainee.id)
    assert counted[("S1_PM_02", "wba.cbd", "2b", "signed")] == 1 and counted[("S1_PM_02", "wba.cbd", "2b", "submitted")] == 0


def test_a_director_of_the_trainee_moves_them_from_the_review_page(client, login, london):
    region, director = london
    trainee = trainee_2010(region, stage="higher")
    login(director)
    assert f"/transitions/{trainee.id}" in client.get(f"/cohort/trainee/{trainee.id}").data.decode()
    assert client.get(f"/transitions/{trainee.id}").status_code == 200
    assert move(client, trainee).status_code == 302
    profile = db.session.get(TraineeProfile, trainee.id)
    db.session.refresh(profile)
    assert (profile.curriculum_version, profile.current_stage) == ("2021", "higher")


@pytest.mark.parametrize("who", ["other_director", "supervisor", "trainee"])
def test_others_are_refused_and_nothing_changes(client, login, london, who):
    region, _ = london
    trainee = trainee_2010(region)
    if who == "other_director":
        caller = make.DirectorFactory()
        direct(caller, region=make.RegionFactory(name="North West"))
    elif who == "supervisor":
        caller = make.SupervisorFactory()
        assign(caller, trainee)
    else:
        caller = trainee
    login(caller)
    assert client.get(f"/transitions/{trainee.id}").status_code == 403
    assert move(client, trainee).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CurriculumTransition)) == 0
    profile = db.session.get(TraineeProfile, trainee.id)
    db.session.refresh(profile)
    assert profile.curriculum_version == "2010"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"to_version": "2010"}, "already follows the 2010 curriculum"),
        ({"to_version": "1999"}, "There is no curriculum version"),
        ({"effective_on": (clock.today() + timedelta(days=93)).isoformat()}, "at most 92 days ahead"),
        ({"effective_on": "2001-01-01"}, "before the trainee&#39;s programme started"),
        ({"effective_on": "2026-02-30"}, "Enter a real date"),
        ({"effective_on": ""}, "Enter the date the move takes effect"),
        ({"to_version": ""}, "Choose the curriculum version to move to."),
    ],
)
def test_bad_moves_come_back_with_a_message_and_change_nothing(client, login, london, data, message):
    region, _ = london
    trainee = trainee_2010(region)
    login(make.AdminFactory())
    response = move(client, trainee, note="Kept as typed", **data)
    page = response.data.decode()
    assert response.status_code == 400 and message in page and "Kept as typed" in page
    assert db.session.scalar(select(func.count()).select_from(CurriculumTransition)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "curriculum.moved")) == 0


def test_a_version_without_a_mapping_is_refused(client, login, london):
    region, _ = london
    trainee = make.TraineeFactory(profile__region=region)  # on 2021: nothing maps back to 2010
    login(make.AdminFactory())
    response = move(client, trainee, to_version="2010")
    assert response.status_code == 400 and "There is no mapping from the 2021 to the 2010 curriculum" in response.data.decode()


def test_a_second_move_cannot_take_effect_before_the_first(client, login, london):
    region, _ = london
    trainee = trainee_2010(region)
    login(make.AdminFactory())
    assert move(client, trainee).status_code == 302
    response = move(client, trainee, to_version="2021", effective_on=clock.days_ago(1).isoformat())
    assert response.status_code == 400  # already on 2021, and the date is before the last move


def test_stages_signed_off_before_the_move_stay_complete_without_a_halo(client, login, london):
    region, _ = london
    trainee = trainee_2010(region)
    supervisor = make.SupervisorFactory(name="Dr Basic Signer")
    signed_off_2010(trainee, supervisor, basic=700, intermediate=700)
    admin = make.AdminFactory()
    login(admin)
    assert move(client, trainee).status_code == 302
    complete = {
        row.stage_key: row.complete
        for row in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == trainee.id))
    }
    assert complete["stage-1"] and complete["stage-2"] and not complete["stage-3"]
    page = client.get(f"/basic/?trainee={trainee.id}").data.decode()
    assert "Closed before the move between curricula" in page and "Dr Basic Signer" in page
    higher = client.get(f"/higher/?trainee={trainee.id}").data.decode()
    assert "Closed before the move" not in higher


def test_a_moved_trainees_old_evidence_is_in_on_the_new_stage_and_may_back_a_halo(client, login, london):
    region, _ = london
    trainee = trainee_2010(region)
    complete_advanced_evidence(trainee)
    login(make.AdminFactory())
    assert move(client, trainee).status_code == 302
    page = client.get(f"/advanced/?trainee={trainee.id}").data.decode()
    row = page.split("SIA_PM_B</strong>")[1].split("</tr>")[0]
    assert "signed" in row and "None" not in row  # the 2010 clinic entries count as evidence in
    from trainee_portal.halo import queries as halo_queries

    stage = curricula.curriculum("2021").stage("sia-pain")
    assert any("PM_AS" in code for e in halo_queries.stage_evidence(trainee.id, stage) for code in e.competency_codes)


def test_the_fellowship_reads_each_closed_stage_in_one_statement_sign_offs_halos_and_those_carried(client, login, london):
    """exams.queries.signed_off_levels: a stage closes by its sign-off on the trainee's version, by its signed HALO,
    or by the old stage's sign-off before a move; one statement reads all three, and a HALO still requested or a
    sign-off of a stage the move does not map closes nothing."""
    from datetime import UTC, datetime

    from tests.support.statements import statements_during
    from trainee_portal.exams.queries import signed_off_levels
    from trainee_portal.models import HaloRequest

    region, _ = london
    trainee = trainee_2010(region)
    supervisor = make.SupervisorFactory()
    signed_off_2010(trainee, supervisor, basic=700, intermediate=400)
    assert signed_off_levels(trainee.id, "2010") == {"basic": clock.days_ago(700), "intermediate": clock.days_ago(400)}
    assert signed_off_levels(trainee.id, "2021") == {}, "no move yet: nothing carried"
    login(make.AdminFactory())
    assert move(client, trainee).status_code == 302
    decided = datetime(2026, 7, 3, 23, 30, tzinfo=UTC)  # half past midnight on 4 July in the UK (BST)
    for stage_key, status in (("stage-3", "signed"), ("sia-pain", "requested")):
        db.session.add(
            HaloRequest(
                trainee_id=trainee.id,
                curriculum_version="2021",
                stage_key=stage_key,
                statement=stage_key,
                status=status,
                decided_by_id=supervisor.id if status == "signed" else None,
                decided_at=decided if status == "signed" else None,
            )
        )
    db.session.commit()
    levels, trainee_id = {}, trainee.id
    sent = statements_during(lambda: levels.update(signed_off_levels(trainee_id, "2021")))
    assert len(sent) == 1, sent
    stage_3 = curricula.curriculum("2021").stage("stage-3").level
    # The HALO closed the stage on the UK day it was signed, not on UTC's.
    assert levels == {"basic": clock.days_ago(700), "intermediate": clock.days_ago(400), stage_3: date(2026, 7, 4)}
    assert levels == {
        **{
            curricula.curriculum("2021").stage(k).level: r.signed_on
            for k, r in progress.carried_signoffs(trainee.id, "2021").items()
        },
        stage_3: date(2026, 7, 4),
    }
