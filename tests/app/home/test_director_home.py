"""The training director's home: flag counts as the cohort dashboard counts them, panels coming by readiness, the
supervisors with the longest waits, each a link to a list of as many rows, within the director's scope only, in a
fixed number of queries whatever the number of trainees."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests import factories as make
from tests.app.cohort.helpers import bulk_trainees, exam_attempts, set_profile
from tests.factories import assign, direct
from tests.support import clock
from tests.support.statements import statements_during
from trainee_portal.cohort import queries as cohort_queries
from trainee_portal.extensions import db
from trainee_portal.home.queries.director import director_home
from trainee_portal.models import User
from trainee_portal.panels import services as panels
from trainee_portal.signoff import services as signoff_services

TODAY = date(2026, 11, 20)
PANEL_DATE = date(2027, 1, 8)


@pytest.fixture
def world(app, clock):
    """London with its director, a supervisor and trainees carrying each flag; the North West with its own director,
    supervisor and a trainee carrying every flag London's director must never count."""
    clock.set(TODAY)
    london, north_west = make.RegionFactory(name="London"), make.RegionFactory(name="North West")
    director, other_director = make.DirectorFactory(name="Dr London Director"), make.DirectorFactory(name="Dr NW Director")
    direct(director, region=london)
    direct(other_director, region=north_west)
    supervisor = make.SupervisorFactory(name="Dr Slow Supervisor")
    quick = make.SupervisorFactory(name="Dr Quick Supervisor")
    elsewhere = make.SupervisorFactory(name="Dr Elsewhere Supervisor")
    waiting = make.TraineeFactory(name="Dr Waiting Trainee", profile__region=london)
    attempts = make.TraineeFactory(name="Dr Many Attempts", profile__region=london)
    idle = make.TraineeFactory(name="Dr Idle Trainee", profile__region=london)
    calm = make.TraineeFactory(name="Dr Calm Trainee", profile__region=london)
    outsider = make.TraineeFactory(name="Dr Outside Trainee", profile__region=north_west)
    for trainee in (waiting, attempts, idle):
        assign(supervisor, trainee)
    assign(quick, calm)
    assign(elsewhere, outsider)
    for trainee in (waiting, attempts, idle):  # only just started their stage: not behind (the calm trainee is)
        set_profile(trainee, stage_started_on=clock.today() - timedelta(days=2))
    make.SignOffRequestFactory(trainee=waiting, supervisor=supervisor, created_at=clock.ago(days=20))
    make.SignOffRequestFactory(trainee=waiting, supervisor=supervisor, created_at=clock.ago(days=3))
    make.SignOffRequestFactory(trainee=attempts, supervisor=supervisor, created_at=clock.ago(days=2))
    make.SignOffRequestFactory(trainee=calm, supervisor=quick, created_at=clock.ago(days=1))
    make.SignOffRequestFactory(trainee=outsider, supervisor=elsewhere, created_at=clock.ago(days=60))
    exam_attempts(attempts, director, "MCQ", ["fail"] * 4)
    exam_attempts(outsider, other_director, "MCQ", ["fail"] * 4)
    for trainee in (waiting, attempts, calm):  # last, as logging evidence stamps the activity
        set_profile(trainee, last_activity_at=clock.ago(days=1))
    for trainee in (idle, outsider):
        set_profile(trainee, last_activity_at=clock.ago(days=90))
    return type(
        "World",
        (),
        dict(
            london=london,
            north_west=north_west,
            director=director,
            other_director=other_director,
            supervisor=supervisor,
            quick=quick,
            elsewhere=elsewhere,
            waiting=waiting,
            attempts=attempts,
            idle=idle,
            calm=calm,
            outsider=outsider,
        ),
    )


def flag_counts_on(page: str) -> dict[str, tuple[int, str]]:
    """flag → (the count shown, the link's address) from the home page's flag list."""
    found = {}
    for key, href, count in re.findall(
        r'data-flag="(\w+)">\s*<a class="app-director-counts__link" href="([^"]+)">\s*'
        r'<span class="app-director-counts__number">(\d+)</span>',
        page,
    ):
        found[key] = (int(count), href.replace("&amp;", "&"))
    return found


def matches_on_cohort(client, href: str) -> int:
    page = client.get(href).get_data(as_text=True)
    return int(re.search(r"(\d+) trainees? match", page).group(1))


def test_flag_counts_equal_the_cohort_dashboards_and_each_link_lists_that_many(client, login, world):
    login(world.director)
    page = client.get("/").get_data(as_text=True)
    assert "Training director: who needs you" in page
    assert 'You oversee <a href="/cohort">4 trainees</a> in London.' in page
    shown = flag_counts_on(page)
    total, expected = cohort_queries.cohort_counts(world.director, cohort_queries.Filters())
    assert total == 4
    assert matches_on_cohort(client, "/cohort") == total  # the trainees in scope, as the link to the dashboard lists them
    assert {key: count for key, (count, _) in shown.items()} == expected
    assert expected == {"behind": 1, "idle": 1, "waiting": 1, "attempts": 1}
    for key, (count, href) in shown.items():
        assert href == f"/cohort?flag={key}"
        assert matches_on_cohort(client, href) == count
    assert "Dr Outside Trainee" not in page
    nouns = re.findall(r'__number">(\d+)</span>\s*<span class="app-director-counts__noun">(\w+)</span>', page)
    assert nouns and all(noun == ("trainee" if n == "1" else "trainees") for n, noun in nouns)


def test_a_trainee_of_another_region_is_never_counted(client, login, world):
    login(world.other_director)
    page = client.get("/").get_data(as_text=True)
    shown = {key: count for key, (count, _) in flag_counts_on(page).items()}
    assert shown == {"behind": 1, "idle": 1, "waiting": 1, "attempts": 1}  # the outsider alone
    assert 'You oversee <a href="/cohort">1 trainee</a> in North West.' in page
    assert "Dr Slow Supervisor" not in page and "Dr Quick Supervisor" not in page
    assert "Dr Elsewhere Supervisor" in page
    # London's director: the outsider's supervisor and 60-day wait appear nowhere.
    client.post("/logout")
    login(world.director)
    page = client.get("/").get_data(as_text=True)
    assert "Dr Elsewhere Supervisor" not in page and "the oldest for 60 days" not in page


def test_supervisors_with_the_longest_waits_link_to_lists_of_that_many(client, login, world):
    login(world.director)
    page = client.get("/").get_data(as_text=True)
    waits = re.findall(r'data-supervisor="(\d+)"><a href="([^"]+)">([^<]+)</a>:\s*(\d+) sign-offs? waiting', page)
    assert [(name, int(n)) for _, _, name, n in waits] == [("Dr Slow Supervisor", 3), ("Dr Quick Supervisor", 1)]
    assert "3 sign-offs waiting, 1 over 14 days;\n        the oldest for 20 days." in page
    assert "1 sign-off waiting;\n        the oldest for 1 day." in page
    for supervisor_id, href, name, n in waits:
        assert href.replace("&amp;", "&") == f"/signoff/waiting?supervisor={supervisor_id}"
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert f"waiting on {name}" in listed
        assert f"{n} request{'' if n == '1' else 's'} from trainees you oversee" in listed
        assert listed.count('href="/signoff/requests/') == int(n)
    assert '<a href="/signoff/waiting">Every sign-off request from your trainees waiting for a supervisor</a>' in page
    everything = client.get("/signoff/waiting").get_data(as_text=True)
    assert "4 requests from trainees you oversee" in everything and "Dr Outside Trainee" not in everything


def test_the_waiting_list_keeps_to_the_directors_trainees(client, login, world):
    login(world.other_director)
    response = client.get(f"/signoff/waiting?supervisor={world.supervisor.id}")  # London's supervisor: not named
    assert response.status_code == 404 and "Dr Slow Supervisor" not in response.get_data(as_text=True)
    page = client.get(f"/signoff/waiting?supervisor={world.elsewhere.id}").get_data(as_text=True)
    assert "1 request from trainees you oversee" in page and "Dr Waiting Trainee" not in page
    assert client.get(f"/signoff/waiting?supervisor={world.waiting.id}").status_code == 404  # not a supervisor
    assert client.get("/signoff/waiting?supervisor=12x").status_code == 404
    assert client.get("/signoff/waiting?supervisor=99999999").status_code == 404
    client.post("/logout")
    login(world.supervisor)
    assert client.get("/signoff/waiting").status_code == 403


def _signed(trainee, supervisor, kind, title):
    entry = make.EvidenceFactory(
        trainee=trainee, evidence_type=kind, title=title, supervision_level=None, occurred_on=TODAY - timedelta(days=3)
    )
    request = signoff_services.request_signoff(trainee, entry, supervisor=supervisor)
    db.session.flush()
    signoff_services.sign(request, level="na", feedback="Fine.", seen_hash=entry.compute_content_hash(), decider=supervisor)
    db.session.commit()
    return entry


def test_panels_coming_count_trainees_by_readiness_and_link_to_the_panel_filtered(client, login, world, app):
    with app.test_request_context():
        for kind in ("report.essr", "report.mtr", "wba.msf"):
            _signed(world.waiting, world.supervisor, kind, kind)  # green
        for kind in ("report.essr", "report.mtr"):
            _signed(world.attempts, world.supervisor, kind, kind)
        msf = make.EvidenceFactory(trainee=world.attempts, evidence_type="wba.msf", title="MSF", supervision_level=None)
        signoff_services.request_signoff(world.attempts, msf, supervisor=world.supervisor)  # amber
        db.session.commit()
    ids = [world.waiting.id, world.attempts.id, world.idle.id, world.calm.id]
    panel = panels.schedule(world.director, world.london, None, PANEL_DATE, "ST6", ids, set(ids), "Winter ARCP")
    outside = panels.schedule(
        world.other_director, world.north_west, None, PANEL_DATE, "ST6", [world.outsider.id], {world.outsider.id}
    )
    db.session.commit()
    login(world.director)
    page = client.get("/").get_data(as_text=True)
    assert "8 January 2027</strong>: Winter ARCP" in page
    assert "London, whole region · ST6 · evidence cut-off" in page and "4 trainees" in page
    assert f'data-panel="{outside.id}"' not in page
    found = re.findall(r'data-readiness="(\w+)"><span class="nhsuk-tag[^"]*">\w+</span>\s*<a href="([^"]+)">(\d+) ', page)
    shown = {colour: n for colour, _, n in found}
    assert shown == {"red": "2", "amber": "1", "green": "1"}
    for colour, href, n in found:
        assert href.replace("&amp;", "&") == f"/panels/{panel.id}?colour={colour}"
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert listed.count(f'data-readiness="{colour}"') >= int(n)
        assert sum(
            name in listed for name in ("Dr Waiting Trainee", "Dr Many Attempts", "Dr Idle Trainee", "Dr Calm Trainee")
        ) == int(n)


def test_empty_states(client, login, app, clock):
    clock.set(TODAY)
    region = make.RegionFactory(name="Wessex")
    director = make.DirectorFactory()
    direct(director, region=region)
    login(director)
    page = client.get("/").get_data(as_text=True)
    assert 'You oversee <a href="/cohort">0 trainees</a> in Wessex.' in page
    assert "No panels scheduled in Wessex." in page
    assert "No sign-off request from your trainees is waiting for a supervisor." in page
    assert 'href="/panels"' in page and 'href="/cohort"' in page  # the director's pages, as a short list


def test_a_director_who_supervises_sees_both_sections(client, login, world):
    both = make.UserFactory(name="Dr Both Roles", roles=("director", "supervisor"))
    direct(both, region=world.london)
    assign(both, world.calm)
    login(both)
    page = client.get("/").get_data(as_text=True)
    assert "Training director: who needs you" in page and "Dr Calm Trainee" in page
    assert page.index("Dr Calm Trainee") < page.index("Training director: who needs you")  # the supervisor's section first


def test_a_director_with_nobody_to_supervise_reads_who_needs_them_first(client, login, world):
    both = make.UserFactory(name="Dr Both Roles", roles=("director", "supervisor"))
    direct(both, region=world.london)
    login(both)
    page = client.get("/").get_data(as_text=True)
    assert "No trainees are assigned to you at present." in page
    assert page.index("Training director: who needs you") < page.index("No trainees are assigned to you at present.")


def test_an_administrator_sees_every_region(client, login, world):
    login(make.AdminFactory())
    page = client.get("/").get_data(as_text=True)
    assert 'You oversee <a href="/cohort">5 trainees</a> in every region.' in page
    assert "Every region: who needs you" in page and "Training director:" not in page
    assert "Dr Elsewhere Supervisor" in page and "Dr Slow Supervisor" in page


def test_the_section_issues_the_same_queries_for_10_as_for_400_trainees(world):
    supervisor = world.supervisor
    ids = bulk_trainees(10, world.london)
    panels.schedule(world.director, world.london, None, PANEL_DATE, "ST6", ids, set(ids))
    db.session.commit()
    director_home(world.director)  # warm caches (curriculum registry) so both counts measure the section alone
    small = statements_during(lambda: director_home(world.director))
    more = bulk_trainees(390, world.london, start_id=ids[-1] + 1)
    for trainee_id in more[:40]:
        trainee = db.session.get(User, trainee_id)
        make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=20))
    for n in range(6):
        assign(make.SupervisorFactory(name=f"Dr Extra {n}"), db.session.get(User, more[50 + n]))
    panels.schedule(world.director, world.london, None, PANEL_DATE + timedelta(days=7), "ST6", more[:100], set(more[:100]))
    db.session.commit()
    large = statements_during(lambda: director_home(world.director))
    assert len(small) <= 8, "\n\n".join(small)
    assert len(large) == len(small), "\n\n".join(large) + "\n=====SMALL=====\n" + "\n\n".join(small)
    assert not [s for s in large if "evidence_entry" in s.lower()], "the home page never reads evidence rows"
