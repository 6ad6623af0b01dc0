"""The cohort dashboard: who sees whom, the four flags, filters, sorting, paging, charts and constant query count."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from competencies import CURRICULA_DIRECTORY, load_curriculum_text
from tests import factories as make
from tests.app.cohort.helpers import bulk_trainees, exam_attempts, set_profile
from tests.factories import assign, direct
from tests.support import clock
from tests.support.markup import without_countdown
from trainee_portal import curricula
from trainee_portal.cohort import queries as cohort_queries
from trainee_portal.cohort.charts import median_from_histogram
from trainee_portal.extensions import db


@pytest.fixture
def london(app):
    region = make.RegionFactory(name="London")
    director = make.DirectorFactory(name="Dr London Director")
    direct(director, region=region)
    return region, director


def flags_of(page: str, name: str) -> str:
    """The table row of one trainee (from their name to the end of the row)."""
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def signed_after(trainee, supervisor, days: int) -> None:
    """A request of 30 days ago that the supervisor signed `days` (and a few hours) after it was made."""
    asked = clock.ago(days=30)
    make.SignOffRequestFactory(
        evidence=make.CaseDiscussionFactory(trainee=trainee),
        supervisor=supervisor,
        status="signed",
        created_at=asked,
        decided_at=asked + timedelta(days=days + 0.2),
        decided_by_id=supervisor.id,
    )


def assert_flagged_alone(client, login, director, flag: str, flagged: str, other: str) -> str:
    """On the director's dashboard `flagged` carries the flag and `other` does not, and the flag's filter lists
    `flagged` without `other`; returns the unfiltered page."""
    login(director)
    page = client.get("/cohort").data.decode()
    assert f'data-flag="{flag}"' in flags_of(page, flagged)
    assert f'data-flag="{flag}"' not in flags_of(page, other)
    filtered = client.get(f"/cohort?flag={flag}").data.decode()
    assert flagged in filtered and other not in filtered
    return page


def test_only_directors_and_admins_reach_the_dashboard(client, login, london):
    region, _ = london
    trainee = make.TraineeFactory(profile__region=region)
    login(trainee)
    assert client.get("/cohort").status_code == 403
    client.post("/logout")
    login(make.SupervisorFactory())
    assert client.get("/cohort").status_code == 403
    client.post("/logout")
    login(make.AdminFactory())
    assert trainee.name in client.get("/cohort").data.decode()


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/cohort")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_director_of_another_region_sees_nothing_of_this_one(client, login, london):
    region, director = london
    trainee = make.TraineeFactory(name="Dr Only In London", profile__region=region)
    other = make.DirectorFactory()
    direct(other, region=make.RegionFactory(name="North West"))
    login(other)
    page = client.get("/cohort").data.decode()
    assert "Dr Only In London" not in page and "0 trainees match" in page
    assert client.get(f"/cohort?region={region.id}").data.decode().count("Dr Only In London") == 0
    assert client.get(f"/cohort/trainee/{trainee.id}").status_code == 403
    assert client.get(f"/cohort/trainee/{trainee.id}/arcp").status_code == 403
    assert "Dr Only In London" not in client.get("/cohort/export.csv").data.decode()
    client.post("/logout")
    login(director)
    assert "Dr Only In London" in client.get("/cohort").data.decode()


def test_cohort_scoped_director_sees_only_that_cohort(client, login, london):
    region, _ = london
    mine, theirs = make.CohortFactory(region=region, name="2024 intake"), make.CohortFactory(region=region, name="2025 intake")
    make.TraineeFactory(name="Dr In Mine", profile__region=region, profile__cohort=mine)
    make.TraineeFactory(name="Dr In Theirs", profile__region=region, profile__cohort=theirs)
    director = make.DirectorFactory()
    direct(director, cohort=mine)
    login(director)
    page = client.get("/cohort").data.decode()
    assert "Dr In Mine" in page and "Dr In Theirs" not in page


def test_behind_flag_follows_the_expected_trajectory_for_the_stage_dates(client, login, london):
    region, director = london
    # 2021 Stage 3 lasts at most 12 weeks: 10 weeks in with nothing done is behind; 1 week in is not.
    late = make.TraineeFactory(
        name="Dr Late Starter",
        profile__region=region,
        profile__current_stage="higher",
        profile__stage_started_on=clock.today() - timedelta(weeks=10),
    )
    make.TraineeFactory(
        name="Dr Just Started",
        profile__region=region,
        profile__current_stage="higher",
        profile__stage_started_on=clock.today() - timedelta(weeks=1),
    )
    set_profile(late, last_activity_at=clock.ago(days=1))
    assert_flagged_alone(client, login, director, "behind", "Dr Late Starter", "Dr Just Started")


def test_no_activity_for_60_days_is_flagged(client, login, london):
    region, director = london
    idle = make.TraineeFactory(name="Dr Idle", profile__region=region)
    busy = make.TraineeFactory(name="Dr Busy", profile__region=region)
    set_profile(idle, last_activity_at=clock.ago(days=61))
    set_profile(busy, last_activity_at=clock.ago(days=59))
    page = assert_flagged_alone(client, login, director, "idle", "Dr Idle", "Dr Busy")
    assert "No activity for 60 days: <strong>1</strong>" in page


def test_sign_offs_waiting_more_than_14_days_are_flagged_and_counted(client, login, london):
    region, director = london
    supervisor = make.SupervisorFactory()
    waiting = make.TraineeFactory(name="Dr Waiting", profile__region=region)
    recent = make.TraineeFactory(name="Dr Recent", profile__region=region)
    for trainee in (waiting, recent):
        assign(supervisor, trainee)
    for trainee, days in ((waiting, 15), (waiting, 2), (recent, 13)):
        make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=days))
    page = assert_flagged_alone(client, login, director, "waiting", "Dr Waiting", "Dr Recent")
    assert "(1 over 14 days)" in flags_of(page, "Dr Waiting")


def test_four_or_more_attempts_at_an_exam_part_are_flagged(client, login, london):
    region, director = london
    four = make.TraineeFactory(name="Dr Four Attempts", profile__region=region)
    three = make.TraineeFactory(name="Dr Three Attempts", profile__region=region)
    exam_attempts(four, director, "MCQ", ["fail", "fail", "fail", "pass"])
    exam_attempts(three, director, "MCQ", ["fail", "fail", "pass"])
    login(director)
    page = client.get("/cohort").data.decode()
    assert 'data-flag="attempts"' in flags_of(page, "Dr Four Attempts")
    assert "MCQ passed" in flags_of(page, "Dr Four Attempts")
    assert 'data-flag="attempts"' not in flags_of(page, "Dr Three Attempts")
    assert "Dr Three Attempts" not in client.get("/cohort?flag=attempts").data.decode()


def test_filters_narrow_by_region_cohort_stage_and_curriculum(client, login):
    admin = make.AdminFactory()
    north, south = make.RegionFactory(name="North"), make.RegionFactory(name="South")
    cohort = make.CohortFactory(region=north)
    make.TraineeFactory(name="Dr North Higher", profile__region=north, profile__cohort=cohort, profile__current_stage="higher")
    make.TraineeFactory(name="Dr North Basic", profile__region=north, profile__current_stage="basic")
    make.TraineeFactory(name="Dr South 2010", profile__region=south, profile__curriculum_version="2010")
    login(admin)
    by_region = client.get(f"/cohort?region={north.id}").data.decode()
    assert "Dr North Higher" in by_region and "Dr North Basic" in by_region and "Dr South 2010" not in by_region
    by_cohort = client.get(f"/cohort?cohort={cohort.id}").data.decode()
    assert "Dr North Higher" in by_cohort and "Dr North Basic" not in by_cohort
    by_stage = client.get("/cohort?stage=basic").data.decode()
    assert "Dr North Basic" in by_stage and "Dr North Higher" not in by_stage
    by_version = client.get("/cohort?curriculum=2010").data.decode()
    assert "Dr South 2010" in by_version and "Dr North Higher" not in by_version
    assert client.get("/cohort?region=abc&stage=<script>&sort=nonsense&page=-3").status_code == 200


def test_sorting_and_paging_cover_thousands(client, login, london):
    region, director = london
    bulk_trainees(120, region)
    login(director)
    first = client.get("/cohort").data.decode()
    assert "120 trainees match" in first and "Page 1 of 3" in first
    assert "Dr Bulk 100000" in first and "Dr Bulk 100050" not in first
    third = client.get("/cohort?page=3").data.decode()
    assert "Dr Bulk 100119" in third and "Dr Bulk 100000" not in third
    desc = client.get("/cohort?sort=name&dir=desc").data.decode()
    assert desc.index("Dr Bulk 100119") < desc.index("Dr Bulk 100118")
    beyond = client.get("/cohort?page=99").data.decode()
    assert "Page 3 of 3" in beyond


def test_sorting_by_percent_puts_the_lowest_first(client, login, london):
    region, director = london
    bulk_trainees(1, region, start_id=200000, percent=80.0)
    bulk_trainees(1, region, start_id=200001, percent=10.0)
    login(director)
    page = client.get("/cohort?sort=percent").data.decode()
    assert page.index("Dr Bulk 200001") < page.index("Dr Bulk 200000")
    page = client.get("/cohort?sort=percent&dir=desc").data.decode()
    assert page.index("Dr Bulk 200000") < page.index("Dr Bulk 200001")


def test_charts_come_with_accessible_tables(client, login, london):
    region, director = london
    supervisor = make.SupervisorFactory(name="Dr Quick Supervisor")
    trainee = make.TraineeFactory(name="Dr Charted", profile__region=region)
    assign(supervisor, trainee)
    for days in (1, 2, 9):
        signed_after(trainee, supervisor, days)
    login(director)
    page = client.get("/cohort").data.decode()
    for chart_id in ("chart-stages", "chart-heatmap", "chart-exams", "chart-supervisors"):
        assert f'id="{chart_id}-data"' in page
    assert "Show the figures as a table" in page
    heading = r'(<span class="nhsuk-table-responsive__heading" aria-hidden="true">[^<]+ </span>)?'
    assert re.search(
        rf'<th scope="row" class="nhsuk-table__cell">{heading}Dr Quick Supervisor</th><td class="nhsuk-table__cell">{heading}2</td>',
        page,
    )  # each figure carries its column's heading, for the stacked table on a phone
    assert "Stage 3 pain" in page and "Pain Medicine" in page  # stage chart and heatmap domain column
    assert "<script src=" in page and "plotly" in page


def test_rows_and_figure_tables_kept_between_requests_follow_the_data(client, login, london):
    """The worker keeps each drawn table row and chart table under what it shows (cohort.routes.ROWS, FIGURES): the
    next request after a change shows the change."""
    region, director = london
    supervisor = make.SupervisorFactory(name="Dr Kept Supervisor")
    trainee = make.TraineeFactory(name="Dr Kept", profile__region=region)
    assign(supervisor, trainee)
    login(director)
    first = client.get("/cohort").data.decode()
    assert 'data-flag="waiting"' not in flags_of(first, "Dr Kept") and "Dr Kept Supervisor" not in first
    # Drawn from what was kept, the same markup (but the session's countdown, which may pass a second in between).
    assert without_countdown(client.get("/cohort").data.decode()) == without_countdown(first)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=15))
    signed_after(trainee, supervisor, 3)
    again = client.get("/cohort").data.decode()
    assert 'data-flag="waiting"' in flags_of(again, "Dr Kept") and "(1 over 14 days)" in flags_of(again, "Dr Kept")
    assert re.search(r"Dr Kept Supervisor</th><td[^>]*>(<span[^>]*>[^<]+</span>)?3</td>", again)


def _selected(page: str, name: str) -> list[str]:
    select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


def test_the_filter_form_kept_between_requests_follows_the_filters_and_the_directors_regions(client, login, london):
    """The worker keeps the drawn filter form under its choices and the filters it shows (cohort.routes.FILTERS): a
    new filter is selected on the next request, and a region given to the director since is in its list at once."""
    region, director = london
    login(director)
    first = client.get("/cohort").data.decode()
    assert _selected(first, "stage") == [] and without_countdown(client.get("/cohort").data.decode()) == without_countdown(first)
    staged = client.get("/cohort?stage=higher&dir=desc").data.decode()
    assert _selected(staged, "stage") == ["higher"] and _selected(staged, "dir") == ["desc"]
    assert 'value="higher" selected' not in client.get("/cohort").data.decode()
    north = make.RegionFactory(name="North Kept Region")
    direct(director, region=north)
    db.session.commit()
    again = client.get("/cohort").data.decode()
    assert "North Kept Region" in again.split('name="region"', 1)[1].split("</select>", 1)[0]
    other = make.DirectorFactory()
    direct(other, region=region)
    db.session.commit()
    client.post("/logout")
    login(other)
    assert "North Kept Region" not in client.get("/cohort").data.decode()  # another director's choices, not the first's


def test_median_is_taken_from_a_histogram():
    assert median_from_histogram({1: 1, 2: 1, 9: 1}) == 2
    assert median_from_histogram({1: 2, 5: 2}) == 3
    assert median_from_histogram({4: 7}) == 4


def _count_dashboard_queries(client) -> int:
    statements = []
    db.session.expire_all()  # the test shares the request's session: start both counts from the same cold state

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/cohort").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


def test_dashboard_issues_the_same_number_of_queries_for_10_as_for_1000_trainees(client, login, london):
    region, director = london
    supervisor = make.SupervisorFactory()
    ids = bulk_trainees(10, region)
    login(director)
    client.get("/cohort")  # warm caches (curriculum registry) so both counts measure the page alone
    small = _count_dashboard_queries(client)
    bulk_trainees(990, region, start_id=ids[-1] + 1)
    trainee = make.TraineeFactory(profile__region=region)
    assign(supervisor, trainee)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=20))
    exam_attempts(trainee, director, "MCQ", ["fail"] * 4)
    large = _count_dashboard_queries(client)
    assert len(small) <= 16  # a fixed handful: user, count, rows, one per flag count, filter choices, one per chart
    assert len(large) == len(small), "\n\n".join(large) + "\n=====SMALL=====\n" + "\n\n".join(small)
    assert "1001 trainees match" in client.get("/cohort").data.decode()


def test_a_curriculum_version_the_registry_drops_between_two_reads_takes_no_page_down(app, monkeypatch):
    """The registry is reloaded now and then (curricula.CACHE_SECONDS): when a reload drops a version (an upload
    retired meanwhile) between the reads of one flag condition, the condition is still built from one registry, not
    from a list of versions read from one and looked up in the other (a KeyError, so a 500, seen once in CI)."""
    shipped = curricula.registry()
    text = (CURRICULA_DIRECTORY / "pain-2021.toml").read_text(encoding="utf-8").replace('version = "2021"', 'version = "2026"', 1)
    first = [shipped.add(load_curriculum_text(text, "pain-2026.toml"))]  # then the reload, without it
    monkeypatch.setattr(curricula, "registry", lambda force=False: first.pop() if first else shipped)
    condition = cohort_queries._behind_condition(date(2026, 11, 20))
    assert "2026" in str(condition.compile(compile_kwargs={"literal_binds": True}))


def test_the_behind_condition_is_built_once_a_day_and_again_after_each_registry_reload(app, monkeypatch):
    """It holds a case per curriculum stage, so it is kept between requests: the same condition for the same day and
    registry, a new one on the next day (its days in stage count from today) and after a reload that adds a version."""
    shipped = curricula.registry()
    text = (CURRICULA_DIRECTORY / "pain-2021.toml").read_text(encoding="utf-8").replace('version = "2021"', 'version = "2026"', 1)
    reloaded = shipped.add(load_curriculum_text(text, "pain-2026.toml"))
    current = [shipped]
    monkeypatch.setattr(curricula, "registry", lambda force=False: current[0])

    def sql(condition) -> str:
        return str(condition.compile(db.engine, compile_kwargs={"literal_binds": True}))

    today = date(2026, 11, 20)
    first = cohort_queries._behind_condition(today)
    assert cohort_queries._behind_condition(today) is first
    assert "'2026'" not in sql(first)
    tomorrow = cohort_queries._behind_condition(today + timedelta(days=1))
    assert tomorrow is not first and sql(tomorrow) != sql(first)
    current[0] = reloaded
    after_reload = cohort_queries._behind_condition(today)
    assert "'2026'" in sql(after_reload)
    current[0] = shipped  # the upload retired: the version goes again
    assert "'2026'" not in sql(cohort_queries._behind_condition(today))
