"""Administration of regions and cohorts, supervisor assignments and director scopes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import AdminFactory, DirectorFactory, RegionFactory, SupervisorFactory, TraineeFactory
from tests.support import clock
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import Cohort, DirectorScope, Region, SupervisorAssignment


@pytest.fixture
def admin(app, login):
    user = AdminFactory()
    login(user)
    return user


def test_admin_adds_regions_and_cohorts_and_duplicates_are_refused(client, admin):
    assert client.post("/admin/regions", data={"region-name": "Wessex"}).status_code == 302
    again = client.post("/admin/regions", data={"region-name": "wessex"})
    assert again.status_code == 400 and "already exists" in again.data.decode()
    region = db.session.scalar(select(Region).where(Region.name == "Wessex"))
    data = {"cohort-region_id": str(region.id), "cohort-name": "Wessex 2026 intake", "cohort-intake_year": "2026"}
    assert client.post("/admin/regions", data=data).status_code == 302
    assert client.post("/admin/regions", data=data).status_code == 400
    bad = client.post("/admin/regions", data={**data, "cohort-name": "Other", "cohort-intake_year": "1800"})
    assert bad.status_code == 400 and "between 2000 and 2100" in bad.data.decode()
    assert db.session.scalar(select(Cohort.name).where(Cohort.region_id == region.id)) == "Wessex 2026 intake"
    assert "Wessex 2026 intake (2026): 0" in client.get("/admin/regions").data.decode()


def test_admin_assigns_a_supervisor_and_ends_the_assignment(client, admin):
    supervisor, trainee = SupervisorFactory(name="Dr Sup"), TraineeFactory(name="Dr Tee")
    data = {
        "supervisor_id": str(supervisor.id),
        "trainee_id": str(trainee.id),
        "kind": "educational",
        "starts_on": (clock.today() - timedelta(days=1)).isoformat(),
        "ends_on": "",
    }
    assert client.post("/admin/assignments", data=data).status_code == 302
    assert policy.supervises(supervisor, trainee.id, kind="educational")
    duplicate = client.post("/admin/assignments", data=data)
    assert duplicate.status_code == 400 and "already has an open assignment" in duplicate.data.decode()
    assignment = db.session.scalar(select(SupervisorAssignment))
    too_early = client.post(
        f"/admin/assignments/{assignment.id}/end",
        data={"ends_on": (clock.today() - timedelta(days=30)).isoformat()},
        follow_redirects=True,
    )
    assert "cannot end before it starts" in too_early.data.decode()
    ended = client.post(
        f"/admin/assignments/{assignment.id}/end", data={"ends_on": (clock.today() - timedelta(days=1)).isoformat()}
    )
    assert ended.status_code == 302
    db.session.expire_all()
    assert not policy.supervises(db.session.get(type(supervisor), supervisor.id), trainee.id)


@pytest.mark.parametrize(
    "changes,message",
    [
        pytest.param({"ends_on": "2020-01-01"}, "on or after the start date", id="ends before it starts"),
        pytest.param({"starts_on": "not a date"}, "real date", id="start not a date"),
        pytest.param({"kind": "spiritual"}, "Not a valid choice", id="unknown kind"),
        pytest.param({"supervisor_id": ""}, "Choose the supervisor", id="no supervisor"),
    ],
)
def test_bad_assignments_are_refused_with_the_input_kept(client, admin, changes, message):
    supervisor, trainee = SupervisorFactory(), TraineeFactory()
    data = {
        "supervisor_id": str(supervisor.id),
        "trainee_id": str(trainee.id),
        "kind": "clinical",
        "starts_on": "2026-01-05",
        "ends_on": "",
    }
    data.update(changes)
    response = client.post("/admin/assignments", data=data)
    assert response.status_code == 400 and message in response.data.decode()
    assert db.session.scalar(select(SupervisorAssignment.id)) is None


def test_nobody_supervises_themselves(client, admin):
    both = SupervisorFactory()
    both.set_roles(["supervisor", "trainee"])
    db.session.commit()
    TraineeFactory()  # someone else to choose from
    from trainee_portal.models import TraineeProfile

    db.session.add(
        TraineeProfile(
            user_id=both.id,
            gmc_number="7999999",
            curriculum_version="2021",
            current_stage="basic",
            programme_start=date(2025, 8, 6),
            stage_started_on=date(2025, 8, 6),
            region_id=RegionFactory().id,
        )
    )
    db.session.commit()
    response = client.post(
        "/admin/assignments",
        data={"supervisor_id": str(both.id), "trainee_id": str(both.id), "kind": "clinical", "starts_on": "2026-01-05"},
    )
    assert response.status_code == 400 and "Nobody can supervise themselves" in response.data.decode()


def test_admin_gives_a_director_a_region_and_takes_it_away(client, admin):
    director, region = DirectorFactory(), RegionFactory(name="Thames Valley")
    trainee = TraineeFactory(profile__region=region)
    neither = client.post("/admin/scopes", data={"director_id": str(director.id)})
    assert neither.status_code == 400 and "either a whole region or one cohort" in neither.data.decode()
    assert client.post("/admin/scopes", data={"director_id": str(director.id), "region_id": str(region.id)}).status_code == 302
    assert policy.directs(director, trainee.id)
    assert client.post("/admin/scopes", data={"director_id": str(director.id), "region_id": str(region.id)}).status_code == 400
    scope = db.session.scalar(select(DirectorScope))
    assert client.post(f"/admin/scopes/{scope.id}/remove").status_code == 302
    assert not policy.directs(director, trainee.id)
