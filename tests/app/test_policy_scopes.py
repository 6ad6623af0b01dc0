"""Scopes the policy defines once and features use: a director's regions and cohorts (the cohort filters), when a
supervisor assignment is current (who supervises, and whom a trainee may ask for sign-off), and what an account
without a role may open."""

from __future__ import annotations

from datetime import date, timedelta

from tests.factories import (
    AdminFactory,
    CohortFactory,
    DirectorFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    UserFactory,
    assign,
    direct,
)
from trainee_portal import policy
from trainee_portal.cohort.queries import filter_choices
from trainee_portal.extensions import db
from trainee_portal.signoff.queries import current_supervisors


def _names(choices) -> set[str]:
    return {label.split(" (")[0] for _, label in choices}


def test_filter_choices_are_the_directors_scope_and_everything_for_an_admin(app):
    north, south, west = RegionFactory(name="North"), RegionFactory(name="South"), RegionFactory(name="West")
    for region in (north, south, west):
        for n in (1, 2):
            CohortFactory(name=f"{region.name} {n}", region=region)
    south_1 = next(c for c in south.cohorts if c.name == "South 1")
    director = DirectorFactory()
    direct(director, region=north)
    direct(director, cohort=south_1)

    regions, cohorts = filter_choices(director)
    assert _names(regions) == {"North", "South"}  # South holds a directed cohort
    assert _names(cohorts) == {"North 1", "North 2", "South 1"}

    regions, cohorts = filter_choices(AdminFactory())
    assert _names(regions) == {"North", "South", "West"} and len(cohorts) == 6
    for nobody in (DirectorFactory(), SupervisorFactory()):  # no scope, or not a director at all
        assert filter_choices(nobody) == ([], [])


def test_an_assignment_is_current_from_its_first_day_to_its_last_day_in_every_use(app):
    supervisor, trainee = SupervisorFactory(), TraineeFactory()
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    assign(supervisor, trainee, starts_on=first, ends_on=last)

    def supervised_on(day):
        return trainee.id in db.session.scalars(policy.supervised_trainee_ids(supervisor.id, on=day)).all()

    def offered_on(day):
        return [u.id for u, _ in current_supervisors(trainee.id, day)] == [supervisor.id]

    for day, current in [(first - timedelta(days=1), False), (first, True), (last, True), (last + timedelta(days=1), False)]:
        assert supervised_on(day) is current and offered_on(day) is current, day


def test_an_account_without_a_role_has_only_its_own_account_pages(client, login):
    login(UserFactory())
    for url in ("/", "/notifications/", "/account/password"):
        assert client.get(url).status_code == 200, url
    # Pages about a trainee's record: no record of its own and nobody's to pick, so refused (not an empty picker).
    for url in ("/dashboard", "/logbook/", "/exams/", "/basic/", "/cohort", "/signoff/"):
        assert client.get(url).status_code == 403, url
