"""Requirements that close a stage: the Stage 3 HALO at an ST7 panel (2021), in when requested and green once signed;
the end-of-stage sign-off at an ST4 panel (2010)."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select

from tests.app.panels.conftest import PANEL_DATE
from tests.factories import TraineeFactory
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanelTrainee, HaloRequest, StageSignOff
from trainee_portal.panels import services
from trainee_portal.summaries import readiness


def _panel(world, trainee, year):
    services.schedule(world.director, world.region, None, PANEL_DATE, year, [trainee.id], {trainee.id})
    db.session.commit()


def _finding(trainee, key):
    db.session.expire_all()
    row = db.session.scalar(select(ArcpPanelTrainee).where(ArcpPanelTrainee.trainee_id == trainee.id))
    return next(item for item in json.loads(row.readiness_detail)["items"] if item["key"] == key)


def test_the_stage_3_halo_counts_when_asked_for_and_when_signed(world):
    _panel(world, world.trainee, "ST7")
    assert _finding(world.trainee, "halo-stage-3")["colour"] == "red"
    halo = HaloRequest(trainee_id=world.trainee.id, curriculum_version="2021", stage_key="stage-3", statement="Stage 3")
    db.session.add(halo)
    db.session.flush()
    readiness.refresh_trainee(world.trainee.id)
    db.session.commit()
    found = _finding(world.trainee, "halo-stage-3")
    assert found["colour"] == "amber" and found["pending"][0]["ref"] == halo.id
    halo.status = "signed"
    readiness.refresh_trainee(world.trainee.id)
    db.session.commit()
    assert _finding(world.trainee, "halo-stage-3")["colour"] == "green"


def test_a_halo_signed_after_midnight_in_the_uk_is_shown_on_the_uk_day(world):
    """Stored times are UTC: a HALO signed at 23:30 UTC in summer was signed at half past midnight the next UK day,
    and the readiness item says that day."""
    _panel(world, world.trainee, "ST7")
    halo = HaloRequest(
        trainee_id=world.trainee.id,
        curriculum_version="2021",
        stage_key="stage-3",
        statement="Stage 3",
        status="signed",
        decided_by_id=world.supervisor.id,
        decided_at=datetime(2026, 7, 3, 23, 30),
    )
    db.session.add(halo)
    db.session.flush()
    readiness.refresh_trainee(world.trainee.id)
    db.session.commit()
    assert _finding(world.trainee, "halo-stage-3")["signed"] == [
        {"on": "2026-07-04", "ref": halo.id, "state": "signed", "title": "HALO"}
    ]


def test_a_2010_trainee_needs_their_intermediate_sign_off_at_st4(world):
    trainee = TraineeFactory(
        profile__region=world.region, profile__curriculum_version="2010", profile__current_stage="intermediate"
    )
    _panel(world, trainee, "ST4")
    found = _finding(trainee, "signoff-intermediate")
    assert found["colour"] == "red" and found["origin"].startswith("The programme's own suggestion")
    db.session.add(
        StageSignOff(
            trainee_id=trainee.id,
            curriculum_version="2010",
            stage_key="intermediate",
            stage_level="intermediate",
            signed_by_id=world.supervisor.id,
            signed_on=date(2026, 11, 19),
        )
    )
    db.session.flush()
    readiness.refresh_trainee(trainee.id)
    db.session.commit()
    assert _finding(trainee, "signoff-intermediate")["colour"] == "green"
