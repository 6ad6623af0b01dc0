"""Odd query arguments on the new lists and choices: the cohort dashboard's ?heatmap= and ?sort=, the users list's
?status=, the waiting list's ?page= and the outbox's ?page=. Each is ignored or not found, never a server error."""

from __future__ import annotations

import pytest

from tests import factories as make
from tests.factories import assign, direct
from tests.support import clock as clock_support

ODD = [
    "",
    " ",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "nan",
    "٣",
    "２０２１",
    "2021\x00",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "../../etc/passwd",
    "%00",
    "2021 ",
    "x" * 5000,
    "__class__",
    "registry",
]


@pytest.fixture
def director(app):
    london = make.RegionFactory(name="London")
    director = make.DirectorFactory(name="Dr London Director")
    direct(director, region=london)
    supervisor = make.SupervisorFactory(name="Dr Own Supervisor")
    for n in range(2):
        trainee = make.TraineeFactory(name=f"Dr Trainee {n}", profile__region=london)
        assign(supervisor, trainee)
        make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock_support.ago(days=3 + n))
    return director


@pytest.mark.parametrize("value", ODD)
def test_odd_cohort_arguments_never_break_the_dashboard(client, login, director, value):
    login(director)
    for name in ("heatmap", "sort", "dir", "page", "flag", "version", "stage", "region", "cohort"):
        response = client.get("/cohort", query_string={name: value})
        assert response.status_code in (200, 404), (name, value)
        assert "<script>alert(1)" not in response.get_data(as_text=True)
        assert "<svg onload" not in response.get_data(as_text=True)
    repeated = client.get("/cohort", query_string=[("heatmap", value), ("heatmap", "2021"), ("sort", value), ("sort", "x")])
    assert repeated.status_code in (200, 404)
    for path in ("/cohort/export.csv", "/cohort/export.xlsx"):
        response = client.get(path, query_string={"heatmap": value, "sort": value, "dir": value, "flag": value})
        assert response.status_code in (200, 404), (path, value)


@pytest.mark.parametrize("value", ODD)
def test_odd_waiting_list_pages_never_break(client, login, director, value):
    login(director)
    response = client.get("/signoff/waiting", query_string={"page": value})
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("value", ODD)
def test_odd_admin_list_arguments_never_break(client, login, value):
    login(make.AdminFactory())
    for path, name in (("/admin/users", "status"), ("/admin/users", "role"), ("/admin/users", "page"), ("/admin/outbox", "page")):
        response = client.get(path, query_string={name: value})
        assert response.status_code in (200, 404), (path, name, value)
        assert "<script>alert(1)" not in response.get_data(as_text=True)
        assert "<svg onload" not in response.get_data(as_text=True)
