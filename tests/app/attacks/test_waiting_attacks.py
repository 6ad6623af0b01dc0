"""Attacks on the director's list of sign-off requests waiting on supervisors (/signoff/waiting?supervisor=ID): a
supervisor of another region is not named, odd ids are not found and never break the page."""

from __future__ import annotations

import pytest

from tests import factories as make
from tests.factories import assign, direct
from tests.support import clock as clock_support


@pytest.fixture
def regions(app):
    london, north_west = make.RegionFactory(name="London"), make.RegionFactory(name="North West")
    director = make.DirectorFactory(name="Dr London Director")
    direct(director, region=london)
    elsewhere = make.SupervisorFactory(name="Dr Secret Northern Supervisor")
    outsider = make.TraineeFactory(name="Dr Outside Trainee", profile__region=north_west)
    assign(elsewhere, outsider)
    make.SignOffRequestFactory(trainee=outsider, supervisor=elsewhere, created_at=clock_support.ago(days=9))
    mine = make.SupervisorFactory(name="Dr Own Supervisor")
    trainee = make.TraineeFactory(name="Dr Own Trainee", profile__region=london)
    assign(mine, trainee)
    return type("Regions", (), dict(director=director, elsewhere=elsewhere, mine=mine, trainee=trainee))


def test_a_director_cannot_learn_the_name_of_another_regions_supervisor(client, login, regions):
    login(regions.director)
    response = client.get(f"/signoff/waiting?supervisor={regions.elsewhere.id}")
    assert response.status_code == 404
    assert "Dr Secret Northern Supervisor" not in response.get_data(as_text=True)
    assert client.get(f"/signoff/waiting?supervisor={regions.mine.id}").status_code == 200


@pytest.mark.parametrize(
    "value", ["-1", "0", "1e3", "٣", "１", " 1 ", "99999999999999999999999", "1\x00", "%00", "1.0", "0x1", "+1", "１２"]
)
def test_odd_supervisor_ids_are_not_found(client, login, regions, value):
    login(regions.director)
    assert client.get("/signoff/waiting", query_string={"supervisor": value}).status_code in (200, 404)
    assert client.get("/signoff/waiting", query_string=[("supervisor", value), ("supervisor", "1")]).status_code in (200, 404)
