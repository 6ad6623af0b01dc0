"""A region's own rules at /rules: directors of the region (and admins) add, revise and retire them, each change a
new audited version; the region's trainees' progress follows, nobody else's; bad input is a message, not a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from tests.factories import (
    AdminFactory,
    CaseDiscussionFactory,
    CohortFactory,
    DirectorFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    direct,
)
from tests.support.clients import Browser
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, LocalRule, TraineeProgress


@pytest.fixture
def world(app):
    scotland, london = RegionFactory(name="Scotland"), RegionFactory(name="London")
    director, other_director = DirectorFactory(), DirectorFactory()
    direct(director, region=scotland)
    direct(other_director, region=london)
    cohort_director = DirectorFactory()
    direct(cohort_director, cohort=CohortFactory(region=scotland))
    scot, lond = TraineeFactory(profile__region=scotland), TraineeFactory(profile__region=london)
    for trainee in (scot, lond):
        CaseDiscussionFactory(trainee=trainee, codes=("S3_PM_02",))  # one signed CBD: S3_PM_02 is complete
    return {
        "scotland": scotland,
        "london": london,
        "director": director,
        "other_director": other_director,
        "cohort_director": cohort_director,
        "supervisor": SupervisorFactory(),
        "admin": AdminFactory(),
        "scot": scot,
        "lond": lond,
    }


def browser(app, user):
    client = Browser(app)
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    return client


def rule_form(**changes):
    data = {
        "curriculum_version": "2021",
        "competency_code": "S3_PM_02",
        "evidence_type": "wba.cbd",
        "minimum": "2",
        "supervision_level": "",
        "signoff_required": "y",
        "basis": "suggestion",
        "citation": "",
        "quote": "",
    }
    data.update(changes)
    return data


def complete(trainee) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(TraineeProgress.competencies_complete).where(
            TraineeProgress.trainee_id == trainee.id, TraineeProgress.stage_level == "higher"
        )
    )


def test_director_adds_revises_and_retires_a_rule_as_audited_versions_that_move_only_their_regions_progress(app, world):
    client = browser(app, world["director"])
    scot_before, lond_before = complete(world["scot"]), complete(world["lond"])
    assert "Scotland" in client.get("/rules/").data.decode()
    response = client.post(f"/rules/regions/{world['scotland'].id}/new", data=rule_form())
    assert response.status_code == 302
    db.session.expire_all()
    first = db.session.scalar(select(LocalRule))
    assert (first.version, first.minimum, first.basis, first.region_id) == (1, 2, "suggestion", world["scotland"].id)
    assert complete(world["scot"]) == scot_before - 1  # one CBD no longer meets the region's 2
    assert complete(world["lond"]) == lond_before

    page = client.get(f"/rules/regions/{world['scotland'].id}").data.decode()
    assert "The programme&#39;s own suggestion (no published source, set by the Scotland programme, version 1)" in page

    quote = "at least 16 sessions recommended for basic trainees"
    local = rule_form(minimum="16", basis="local", citation="NHS Education for Scotland", quote=quote)
    assert client.post(f"/rules/{first.id}/edit", data=local).status_code == 302
    db.session.expire_all()
    second = db.session.scalar(select(LocalRule).where(LocalRule.replaces_id == first.id))
    assert (second.version, second.minimum, second.basis, second.quote) == (2, 16, "local", quote)
    assert (first.minimum, first.basis, first.quote) == (2, "suggestion", "") and first.replaced_at is not None
    # The old version cannot be edited again: the form says so, nothing is stored.
    stale = client.post(f"/rules/{first.id}/edit", data=rule_form(minimum="3"))
    assert stale.status_code == 400 and "has changed since you opened it" in stale.data.decode()
    assert db.session.scalar(select(LocalRule).where(LocalRule.minimum == 3)) is None

    stage = browser(app, world["scot"]).get("/higher/competency/S3_PM_02").data.decode()
    assert f"Local rule (NHS Education for Scotland, version 2): &#34;{quote}&#34;" in stage
    assert "Local rule" not in browser(app, world["lond"]).get("/higher/competency/S3_PM_02").data.decode()

    assert client.post(f"/rules/{second.id}/retire").status_code == 302
    db.session.expire_all()
    assert second.retired_at is not None and second.retired_by_id == world["director"].id
    assert complete(world["scot"]) == scot_before
    actions = db.session.scalars(select(AuditRecord.action).where(AuditRecord.subject_type == "local_rule")).all()
    assert actions == ["local_rule.created", "local_rule.revised", "local_rule.retired"]
    assert db.session.scalar(select(db.func.count()).select_from(LocalRule)) == 2  # retired, never deleted


@pytest.mark.parametrize("who", ["other_director", "cohort_director", "supervisor", "scot"])
def test_only_the_regions_directors_and_admins_may_see_or_change_its_rules(app, world, who):
    rule = LocalRule(
        region_id=world["scotland"].id,
        curriculum_version="2021",
        competency_code="S3_PM_02",
        evidence_type="wba.cbd",
        minimum=2,
        basis="suggestion",
        created_by_id=world["director"].id,
    )
    db.session.add(rule)
    db.session.commit()
    client = browser(app, world[who])
    region = world["scotland"].id
    assert client.get(f"/rules/regions/{region}").status_code == 403
    assert client.post(f"/rules/regions/{region}/new", data=rule_form(minimum="5")).status_code == 403
    assert client.post(f"/rules/{rule.id}/edit", data=rule_form(minimum="5")).status_code == 403
    assert client.post(f"/rules/{rule.id}/retire").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(LocalRule)) == 1 and rule.retired_at is None
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.subject_type == "local_rule")) is None
    index = client.get("/rules/")
    assert index.status_code == (200 if who.endswith("director") else 403)
    assert "Scotland" not in index.data.decode()
    admin = browser(app, world["admin"])
    assert admin.post(f"/rules/{rule.id}/edit", data=rule_form(minimum="5")).status_code == 302


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"minimum": "abc"}, "minimum", "whole number"),
        ({"minimum": "0"}, "minimum", "from 1 to 9999"),
        ({"minimum": "99999999999999999999"}, "minimum", "from 1 to 9999"),
        ({"competency_code": "NOPE_01"}, "competency_code", "has no competency NOPE_01"),
        ({"evidence_type": "wba.forged"}, "evidence_type", "Not a valid choice"),
        ({"curriculum_version": "1999"}, "curriculum_version", "Not a valid choice"),
        ({"supervision_level": "9"}, "supervision_level", "Not a valid choice"),
        ({"basis": "national"}, "basis", "Not a valid choice"),
        ({"basis": "suggestion", "quote": "at least 2"}, "basis", "no published source"),
        ({"basis": "local", "quote": "2 CBDs"}, "citation", "Name who publishes"),
        ({"basis": "local", "citation": "NES"}, "quote", "Quote the local rule"),
        ({"basis": "local", "citation": "NES", "quote": "20 CBDs"}, "quote", "must state the minimum, 2"),
    ],
)
def test_bad_input_comes_back_on_the_form_with_400_and_stores_nothing(app, world, changes, field, message):
    client = browser(app, world["director"])
    data = rule_form(**changes)
    response = client.post(f"/rules/regions/{world['scotland'].id}/new", data=data)
    body = response.data.decode()
    assert response.status_code == 400 and message in body, body[:3000]
    assert f'id="{field}-error"' in body or f'id="{field}--error"' in body or "nhsuk-error-message" in body
    assert db.session.scalar(select(LocalRule)) is None


def test_a_sourced_sixteen_saves_and_the_stage_page_names_each_rules_origin(app, world):
    client = browser(app, world["director"])
    data = rule_form(
        competency_code="S3_PM_06",
        evidence_type="logbook.clinic",
        minimum="16",
        basis="local",
        citation="NHS Education for Scotland",
        quote="16 sessions",
    )
    assert client.post(f"/rules/regions/{world['scotland'].id}/new", data=data).status_code == 302
    page = browser(app, world["scot"]).get("/higher/competency/S3_PM_06").data.decode()
    assert "Local rule (NHS Education for Scotland, version 1)" in page
    assert "The programme&#39;s own suggestion (no published source)" in page  # the curriculum's CBD
    stage = browser(app, world["scot"]).get("/higher/").data.decode()
    assert "no minimum or maximum number of sessions" in stage


def test_rebuilding_every_summary_keeps_each_regions_rules(app, world):
    from trainee_portal.rules import services
    from trainee_portal.summaries import progress

    before = complete(world["scot"]), complete(world["lond"])
    values = {**rule_form(), "minimum": 3, "supervision_level": None, "signoff_required": True}
    services.save_rule(world["scotland"], values, world["director"])
    db.session.commit()
    progress.recompute_all()
    db.session.commit()
    assert (complete(world["scot"]), complete(world["lond"])) == (before[0] - 1, before[1])
