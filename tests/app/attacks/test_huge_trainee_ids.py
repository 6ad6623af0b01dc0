"""?trainee=ID beyond what a database integer holds (PostgreSQL's integer stops at 2,147,483,647): not found or
not allowed, never a server error, on every page that takes it."""

from __future__ import annotations

import pytest

from tests import factories as make
from tests.factories import direct

PAGES = ["/training-time/", "/dashboard/", "/logbook/", "/exams/readiness", "/stages/basic", "/advanced"]


@pytest.mark.parametrize("value", ["2147483648", "9999999999", "999999999999", "-1", "٣", "1 2", "0"])
def test_huge_or_odd_trainee_ids_are_not_found(client, login, value):
    region = make.RegionFactory()
    director = make.DirectorFactory()
    direct(director, region=region)
    login(director)
    for path in PAGES:
        response = client.get(path, query_string={"trainee": value}, follow_redirects=True)
        assert response.status_code < 500, (path, value)
