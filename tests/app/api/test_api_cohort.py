"""GET /api/v1/cohort, /api/v1/arcp/panels and /api/v1/arcp/panels/{panel_id}/readiness: the dashboard's and the
panel page's counts for the same data, only the trainees and panels in the caller's scope, cursor pages that cover
every row once, refused input as problem documents, the cohort:read scope, ETags, and statement counts that do not
grow with the cohort."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from competencies.flags import FLAG_TITLES
from competencies.readiness import COLOUR_LABELS, COLOURS
from tests.factories import (
    AdminFactory,
    CaseDiscussionFactory,
    CohortFactory,
    DirectorFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from tests.support.api import assert_problem, bearer
from tests.support.statements import statements_during
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee
from trainee_portal.summaries import readiness

COHORT = "/api/v1/cohort"
PANELS = "/api/v1/arcp/panels"


def readiness_url(panel_id: int) -> str:
    return f"{PANELS}/{panel_id}/readiness"


def _cohort(n: int, region=None, cohort=None, prefix: str = "Dr Trainee"):
    region = region or RegionFactory()
    trainees = [TraineeFactory(name=f"{prefix} {i:02d}", profile__region=region, profile__cohort=cohort) for i in range(n)]
    return region, trainees


def _director_of(region):
    director = DirectorFactory()
    direct(director, region)
    return director


def _all_rows(client, headers, url: str, limit: int) -> tuple[list[dict], int]:
    """Every row, following next_cursor (and checking the Link header says the same); and how many pages."""
    rows, pages, cursor = [], 0, None
    while True:
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, headers=headers, query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = response.get_json()
        rows += body["trainees"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            return rows, pages
        assert len(body["trainees"]) == limit
        assert f"cursor={cursor}" in response.headers["Link"] and response.headers["Link"].endswith('rel="next"')


def test_cohort_counts_equal_the_dashboards_for_the_same_data(client, login):
    region, trainees = _cohort(5)
    CaseDiscussionFactory(trainee=trainees[0], codes=("S3_PM_02",))
    _, others = _cohort(2, prefix="Dr Elsewhere")
    director = _director_of(region)
    body = client.get(COHORT, headers=bearer(director, ("cohort:read",))).get_json()
    assert body["total"] == 5
    assert sorted(r["trainee_id"] for r in body["trainees"]) == sorted(t.id for t in trainees)
    assert not {o.id for o in others} & {r["trainee_id"] for r in body["trainees"]}
    assert body["next_cursor"] is None
    assert [r["name"] for r in body["trainees"]] == sorted(r["name"] for r in body["trainees"])
    assert sum(s["trainees"] for s in body["per_stage"]) == 5
    higher = [s for s in body["per_stage"] if s["stage_level"] == "higher"]
    name = curricula.curriculum("2021").stage_for_level("higher").name
    assert higher == [{"curriculum_version": "2021", "stage_level": "higher", "stage_name": name, "trainees": 5}]

    page = login(director).get("/cohort").get_data(as_text=True)
    assert f"{body['total']} trainees match these filters." in page
    for flag in body["per_flag"]:
        assert flag["title"] == FLAG_TITLES[flag["flag"]]
        assert re.search(rf"{re.escape(flag['title'])}: <strong>{flag['trainees']}</strong>", page), flag
    for row in body["trainees"]:
        assert row["name"] in page
        assert row["exams"] == "MCQ: not yet sat · SOE: not yet sat"
    first = next(r for r in body["trainees"] if r["trainee_id"] == trainees[0].id)
    assert first["competencies_complete"] == 1 and first["percent"] > 0


def test_cohort_filters_are_the_pages_filters(client, login):
    region = RegionFactory()
    group = CohortFactory(region=region)
    _, in_group = _cohort(3, region, group, prefix="Dr Grouped")
    _cohort(2, region, prefix="Dr Ungrouped")
    TraineeFactory(name="Dr Basic Stage", profile__region=region, profile__current_stage="basic")
    director = _director_of(region)
    headers = bearer(director, ("cohort:read",))
    login(director)
    for query, expected in (
        ({"cohort": group.id}, 3),
        ({"region": region.id}, 6),
        ({"stage": "basic"}, 1),
        ({"curriculum": "2010"}, 0),
        ({"region": RegionFactory().id}, 0),  # a region outside the scope shows nobody
    ):
        body = client.get(COHORT, headers=headers, query_string=query).get_json()
        assert body["total"] == expected == len(body["trainees"]), (query, body["total"])
        page_query = "&".join(f"{k}={v}" for k, v in query.items())
        page = client.get(f"/cohort?{page_query}").get_data(as_text=True)
        assert f"{expected} trainee{'' if expected == 1 else 's'} match" in page, query
    grouped = client.get(COHORT, headers=headers, query_string={"cohort": group.id}).get_json()
    assert {r["trainee_id"] for r in grouped["trainees"]} == {t.id for t in in_group}


def test_cursor_pages_cover_every_trainee_once_in_name_order(client):
    region, trainees = _cohort(7)
    headers = bearer(_director_of(region), ("cohort:read",))
    rows, pages = _all_rows(client, headers, COHORT, 3)
    assert pages == 3
    assert [r["trainee_id"] for r in rows] == [t.id for t in sorted(trainees, key=lambda t: (t.name, t.id))]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 100000},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "1.zz"},
        {"cursor": "0." + "41" * 3},
        {"cursor": "' OR 1=1 --"},
        {"region": "1; DROP TABLE user"},
        {"region": 0},
        {"stage": "everything"},
        {"flag": "nonsense"},
        {"curriculum": "2021' OR '1'='1"},
        {"sort": "name"},  # not a parameter of the API
    ],
)
def test_refused_input_is_a_problem_document_never_a_500(client, query):
    region, _ = _cohort(2)
    response = client.get(COHORT, headers=bearer(_director_of(region), ("cohort:read",)), query_string=query)
    body = assert_problem(response, 422)
    assert body["errors"], body


def test_a_cursor_of_the_pattern_that_no_row_follows_is_an_empty_page(client):
    region, _ = _cohort(2)
    headers = bearer(_director_of(region), ("cohort:read",))
    last = "999999999." + "ff" * 4  # after every name
    for made_up in ("1.00", "5.41004200", "7.c328"):  # a NUL, half a character: still a place in the order
        response = client.get(COHORT, headers=headers, query_string={"cursor": made_up})
        assert response.status_code == 200, (made_up, response.get_data(as_text=True)[:300])
    body = client.get(COHORT, headers=headers, query_string={"cursor": last}).get_json()
    assert body["trainees"] == [] and body["next_cursor"] is None and body["total"] == 2


def test_who_may_read_the_cohort_and_the_panels(client):
    region, (trainee,) = _cohort(1)
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    director, admin = _director_of(region), AdminFactory()
    far_director = _director_of(RegionFactory())
    for caller in (trainee, supervisor):
        for url in (COHORT, PANELS):
            assert_problem(client.get(url, headers=bearer(caller)), 403)
    assert client.get(COHORT, headers=bearer(director, ("cohort:read",))).get_json()["total"] == 1
    assert client.get(COHORT, headers=bearer(admin, ("cohort:read",))).get_json()["total"] == 1
    far = client.get(COHORT, headers=bearer(far_director, ("cohort:read",))).get_json()
    assert far["total"] == 0 and far["trainees"] == []
    # A director's token without cohort:read is refused, naming the scope.
    response = client.get(COHORT, headers=bearer(director, ("read",)))
    assert_problem(response, 403)
    assert 'scope="cohort:read"' in response.headers["WWW-Authenticate"]
    assert_problem(client.get(PANELS, headers=bearer(director, ("read",))), 403)


def test_cohort_statements_do_not_grow_with_the_cohort(client):
    counts = []
    for n in (1, 20):
        region, trainees = _cohort(n, prefix=f"Dr Size{n}")
        for t in trainees:
            CaseDiscussionFactory(trainee=t, codes=("S3_PM_02",))
        headers = bearer(_director_of(region), ("cohort:read",))

        def call(headers=headers):
            assert client.get(COHORT, headers=headers, query_string={"limit": 50}).status_code == 200

        counts.append(len(statements_during(call)))
    assert counts[0] == counts[1], counts


def test_cohort_etag_answers_304_until_a_trainee_changes(client):
    region, trainees = _cohort(2)
    headers = bearer(_director_of(region), ("cohort:read",))
    etag = client.get(COHORT, headers=headers).headers["ETag"]
    assert client.get(COHORT, headers={**headers, "If-None-Match": etag}).status_code == 304
    CaseDiscussionFactory(trainee=trainees[1], codes=("S3_PM_02",))
    changed = client.get(COHORT, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


# --- ARCP panels ---------------------------------------------------------------------------------------------------


def _panel(region, trainees, director, days: int = 40, cohort=None) -> ArcpPanel:
    panel = ArcpPanel(
        region_id=region.id,
        cohort_id=cohort.id if cohort else None,
        panel_date=clock.today() + timedelta(days=days),
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=clock.today() + timedelta(days=days - 14),
        title="Summer panel",
        created_by_id=director.id,
    )
    db.session.add(panel)
    db.session.flush()
    for trainee in trainees:
        db.session.add(ArcpPanelTrainee(panel_id=panel.id, trainee_id=trainee.id))
    db.session.commit()
    for trainee in trainees:
        readiness.refresh_trainee(trainee.id)  # the read model, as every evidence write keeps it
    db.session.commit()
    return panel


def test_panel_readiness_equals_the_panel_page(client, login):
    region, trainees = _cohort(6)
    director = _director_of(region)
    for t in trainees[:2]:
        CaseDiscussionFactory(trainee=t, codes=("S3_PM_02",))
    panel = _panel(region, trainees, director)
    headers = bearer(director, ("cohort:read",))
    body = client.get(readiness_url(panel.id), headers=headers).get_json()
    assert body["panel"]["id"] == panel.id and body["panel"]["total"] == 6
    assert [c["colour"] for c in body["panel"]["colours"]] == list(COLOURS)
    page = login(director).get(f"/panels/{panel.id}").get_data(as_text=True)
    for count in body["panel"]["colours"]:
        label = f"{count['colour'].capitalize()} ({COLOUR_LABELS[count['colour']].lower()}): <strong>{count['trainees']}</strong>"
        assert label in page, label
    assert sum(c["trainees"] for c in body["panel"]["colours"]) == len(body["trainees"]) == 6
    for row in body["trainees"]:
        assert row["colour"] in COLOURS and row["label"] == COLOUR_LABELS[row["colour"]]
        assert row["name"] in page
        for reason in row["reasons"]:
            assert reason.split(":")[0] in page
    assert any(row["reasons"] for row in body["trainees"]), body["trainees"]

    listed = client.get(PANELS, headers=headers).get_json()["panels"]
    assert [p["id"] for p in listed] == [panel.id]
    assert listed[0]["colours"] == body["panel"]["colours"]
    panels_page = client.get("/panels").get_data(as_text=True)
    assert "Summer panel" in panels_page

    colour = body["trainees"][0]["colour"]
    only = client.get(readiness_url(panel.id), headers=headers, query_string={"colour": colour}).get_json()
    assert {r["colour"] for r in only["trainees"]} == {colour}
    assert len(only["trainees"]) == next(c["trainees"] for c in body["panel"]["colours"] if c["colour"] == colour)


def test_panel_readiness_in_cursor_pages_and_for_its_managers_only(client):
    region, trainees = _cohort(5)
    director = _director_of(region)
    panel = _panel(region, trainees, director)
    rows, pages = _all_rows(client, bearer(director, ("cohort:read",)), readiness_url(panel.id), 2)
    assert pages == 3 and [r["trainee_id"] for r in rows] == [t.id for t in sorted(trainees, key=lambda t: t.name)]

    far_region, far_trainees = _cohort(1, prefix="Dr Far")
    far_director = _director_of(far_region)
    far_panel = _panel(far_region, far_trainees, far_director)
    headers = bearer(director, ("cohort:read",))
    assert_problem(client.get(readiness_url(far_panel.id), headers=headers), 403)
    assert [p["id"] for p in client.get(PANELS, headers=headers).get_json()["panels"]] == [panel.id]
    assert_problem(client.get(readiness_url(987654), headers=headers), 404)
    admin = bearer(AdminFactory(), ("cohort:read",))
    assert {p["id"] for p in client.get(PANELS, headers=admin).get_json()["panels"]} == {panel.id, far_panel.id}
    assert client.get(readiness_url(far_panel.id), headers=admin).status_code == 200
    assert_problem(client.get(readiness_url(panel.id), headers=bearer(trainees[0])), 403)
    assert_problem(client.get(readiness_url(panel.id), headers=headers, query_string={"colour": "blue"}), 422)


def test_panel_statements_do_not_grow_with_its_trainees(client):
    counts = []
    for n in (1, 20):
        region, trainees = _cohort(n, prefix=f"Dr Panel{n}")
        director = _director_of(region)
        panel = _panel(region, trainees, director)
        headers, url = bearer(director, ("cohort:read",)), readiness_url(panel.id)

        def call(url=url, headers=headers):
            assert client.get(url, headers=headers).status_code == 200
            assert client.get(PANELS, headers=headers).status_code == 200

        counts.append(len(statements_during(call)))
    assert counts[0] == counts[1], counts


def test_panel_readiness_etag_answers_304_until_readiness_changes(client):
    region, trainees = _cohort(2)
    director = _director_of(region)
    panel = _panel(region, trainees, director)
    headers = bearer(director, ("cohort:read",))
    etag = client.get(readiness_url(panel.id), headers=headers).headers["ETag"]
    assert client.get(readiness_url(panel.id), headers={**headers, "If-None-Match": etag}).status_code == 304
    row = db.session.scalars(select(ArcpPanelTrainee).where(ArcpPanelTrainee.panel_id == panel.id)).first()
    row.readiness = "amber" if row.readiness != "amber" else "green"  # as the read model's refresh would leave it
    db.session.commit()
    changed = client.get(readiness_url(panel.id), headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_missing_trainee_or_panel_answers_each_kind_of_caller_as_the_pages_do(client):
    """As tests/app/test_access_missing.py asks of the pages, with each caller's full token: a trainee who does not
    exist is 403 to all but an administrator (the rule asks about the id first); a missing panel is 404 to those
    who pass the panels' gate."""
    from tests.app.platform.world import CALLERS, build_world
    from trainee_portal import policy

    world = build_world()
    missing = 2_000_000_000
    expected = {
        f"/api/v1/trainees/{missing}/progress": (401, 403, 403, 403, 403, 403, 403, 404),
        f"/api/v1/trainees/{missing}/exam-readiness": (401, 403, 403, 403, 403, 403, 403, 404),
        readiness_url(missing): (401, 403, 403, 403, 403, 404, 404, 404),
    }
    headers = {"anonymous": {}} | {c: bearer(world.people[c], policy.api_scopes_for(world.people[c])) for c in CALLERS[1:]}
    problems = []
    for url, statuses in expected.items():
        for caller, status in zip(CALLERS, statuses):
            response = client.get(url, headers=headers[caller])
            if response.status_code != status or response.mimetype != "application/problem+json":
                problems.append(f"{url} as {caller}: {response.status_code}, expected {status}")
    assert not problems, "\n".join(problems)
