"""The cohort dashboard as a phone reads it: the heatmap one curriculum at a time (?heatmap=), the exam column in
words, the trainee table as an NHS.UK responsive table, and each chart's changes for a narrow screen."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests import factories as make
from tests.app.cohort.helpers import exam_attempts
from tests.factories import direct
from tests.support.markup import rendered
from trainee_portal.cohort.queries import exam_part_wording
from trainee_portal.extensions import db


@pytest.fixture
def london(app):
    region = make.RegionFactory(name="London")
    director = make.DirectorFactory(name="Dr London Director")
    direct(director, region=region)
    return region, director


@pytest.fixture
def mixed(london):
    """Two trainees on the 2021 curriculum and one on the 2010, all at the higher slot."""
    region, director = london
    make.TraineeFactory(name="Dr Twenty One", profile__region=region)
    make.TraineeFactory(name="Dr Twenty Two", profile__region=region)
    make.TraineeFactory(name="Dr Twenty Ten", profile__region=region, profile__curriculum_version="2010")
    return region, director


def figure(page: str, chart_id: str) -> dict:
    block = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', page, re.S)
    assert block, f"no {chart_id} on the page"
    return json.loads(block.group(1))


def heatmap(page: str) -> tuple[list[str], list[str]]:
    """The heatmap's trainees and its domain columns (line breaks read as spaces)."""
    trace = figure(page, "chart-heatmap")["data"][0]
    return trace["y"], [x.replace("<br>", " ") for x in trace["x"]]


def test_the_heatmap_shows_the_curriculum_most_trainees_follow_with_its_own_domains(client, login, mixed):
    _, director = mixed
    login(director)
    page = client.get("/cohort").data.decode()
    names, domains = heatmap(page)
    assert names == ["Dr Twenty One", "Dr Twenty Two"]
    assert domains == ["Pain Medicine"]  # 2021 Stage 3's one domain; no 2010 column left blank for them
    assert "Progress by domain, 2021 curriculum" in page
    assert re.search(r'href="/cohort\?[^"]*heatmap=2021#heatmap" aria-current="true"[^>]*>2021 curriculum \(2 trainees\)', page)
    assert re.search(r'href="/cohort\?[^"]*heatmap=2010#heatmap">2010 curriculum \(1 trainee\)</a>', page)


def test_the_heatmap_query_argument_chooses_the_other_curriculum(client, login, mixed):
    _, director = mixed
    login(director)
    page = client.get("/cohort?heatmap=2010").data.decode()
    names, domains = heatmap(page)
    assert names == ["Dr Twenty Ten"]
    assert domains == [
        "Chronic pain",
        "Acute and inpatient pain",
        "Interventions and cancer pain",
        "Prescribing, teaching and evidence",
    ]
    assert "Pain Medicine" not in domains
    # The table beside it: the same trainee and columns, with the stage from the trainee's own curriculum.
    table = page[page.index("Progress by domain, 2010 curriculum</caption>") :]
    table = table[: table.index("</table>")]
    assert "Dr Twenty Ten" in table and "Dr Twenty One" not in table
    assert ">Higher<" in table or "Higher</td>" in table
    # Sorting and paging links keep the choice.
    assert "heatmap=2010" in page[page.index("<thead") : page.index("</thead>")]


@pytest.mark.parametrize("argument", ["1999", "", "<script>", "2010x"])
def test_an_unknown_heatmap_choice_falls_back_to_the_default(client, login, mixed, argument):
    _, director = mixed
    login(director)
    response = client.get(f"/cohort?heatmap={argument}")
    assert response.status_code == 200
    assert heatmap(response.data.decode())[0] == ["Dr Twenty One", "Dr Twenty Two"]


def test_the_curriculum_filter_decides_the_heatmap_and_hides_the_choice(client, login, mixed):
    _, director = mixed
    login(director)
    page = client.get("/cohort?curriculum=2010&heatmap=2021").data.decode()
    assert heatmap(page)[0] == ["Dr Twenty Ten"]
    assert "app-heatmap-choice" not in page


def test_a_page_without_trainees_of_the_chosen_curriculum_says_so(client, login, london):
    region, director = london
    make.TraineeFactory(name="Dr Only 2021", profile__region=region)
    login(director)
    page = client.get("/cohort?region=999999").data.decode()
    assert 'id="chart-heatmap-data"' not in page and "No trainees match these filters." in page


def test_exam_parts_read_as_people_say_them():
    assert exam_part_wording("MCQ", 0, False) == "MCQ: not yet sat"
    assert exam_part_wording("MCQ", 1, False) == "MCQ: 1 attempt"
    assert exam_part_wording("SOE", 2, False) == "SOE: 2 attempts"
    assert exam_part_wording("MCQ", 1, True) == "MCQ passed"
    assert exam_part_wording("MCQ", 3, True) == "MCQ passed (3 attempts)"


def test_the_exam_column_and_the_export_use_the_same_words(client, login, london):
    region, director = london
    once = make.TraineeFactory(name="Dr Sat Once", profile__region=region)
    later = make.TraineeFactory(name="Dr Passed Later", profile__region=region)
    exam_attempts(once, director, "MCQ", ["fail"])
    exam_attempts(later, director, "MCQ", ["fail", "pass"])
    exam_attempts(later, director, "SOE", ["fail", "fail"])
    db.session.commit()
    login(director)
    page = client.get("/cohort").data.decode()

    def row(name):
        start = page.index(name)
        return re.sub(r"<[^>]+>", "", page[start : page.index("</tr>", start)])

    assert "MCQ: 1 attempt · SOE: not yet sat" in row("Dr Sat Once")
    assert "MCQ passed (2 attempts) · SOE: 2 attempts" in row("Dr Passed Later")
    assert "Attempts: MCQ" not in page
    exported = {r["Name"]: r for r in csv.DictReader(io.StringIO(client.get("/cohort/export.csv").data.decode()))}
    assert exported["Dr Sat Once"]["Exams"] == "MCQ: 1 attempt · SOE: not yet sat"
    assert exported["Dr Passed Later"]["Exams"] == "MCQ passed (2 attempts) · SOE: 2 attempts"
    assert exported["Dr Passed Later"]["MCQ attempts"] == "2"  # the numbers stay for spreadsheets


def test_the_trainee_table_is_a_responsive_table_whose_cells_carry_their_headings(client, login, london):
    region, director = london
    make.TraineeFactory(name="Dr Stacked", profile__region=region)
    login(director)
    page = client.get("/cohort").data.decode()
    assert '<table class="nhsuk-table-responsive app-cohort-table" role="table">' in page
    start = page.index("Dr Stacked")
    row = page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]
    headings = re.findall(r'<span class="nhsuk-table-responsive__heading" aria-hidden="true">([^<]*?) </span>', row)
    assert headings == [
        "Trainee",
        "Stage",
        "Required evidence items in place",
        "Last activity",
        "Pending sign-offs",
        "Exams",
        "Flags",
    ]
    # The percent names what it counts; the competencies complete are their own measure beside it.
    assert "% complete" not in page[page.index("<thead") : page.index("</thead>")]
    assert re.search(r"\d+ of \d+ competencies complete", row) or "competenc" not in row
    # No scrolling box round it: on a phone its rows stack instead.
    assert 'class="app-table-scroll"><table class="nhsuk-table-responsive app-cohort-table"' not in page


def test_a_phone_can_sort_the_table_without_its_headings(client, login, london):
    region, director = london
    for name in ("Dr Alpha", "Dr Omega"):
        make.TraineeFactory(name=name, profile__region=region)
    login(director)
    page = client.get("/cohort").data.decode()
    assert 'id="filter-sort"' in page and 'id="filter-dir"' in page
    page = client.get("/cohort?sort=name&dir=desc").data.decode()
    assert page.index("Dr Omega") < page.index("Dr Alpha")
    assert '<option value="desc" selected' in page


def test_each_chart_says_what_changes_on_a_narrow_screen(client, login, mixed):
    _, director = mixed
    login(director)
    page = client.get("/cohort").data.decode()
    for chart_id in ("chart-stages", "chart-heatmap", "chart-exams", "chart-supervisors"):
        narrow = figure(page, chart_id)["narrow"]
        assert narrow["layout"]["font"]["size"] < 14
    heat = figure(page, "chart-heatmap")
    assert heat["narrow"]["traces"]["colorbar"]["orientation"] == "h"
    assert heat["narrow"]["layout"]["height"] >= 30 * len(heat["data"][0]["y"])
    assert heat["layout"]["yaxis"]["automargin"] and heat["layout"]["xaxis"]["automargin"]


def test_the_trainee_dashboard_charts_wrap_their_labels_on_a_narrow_screen(client, login):
    trainee = make.TraineeFactory()
    login(trainee)
    page = client.get("/dashboard").data.decode()
    stages = figure(page, "stage-chart")
    assert any("<br>" in label for label in stages["narrow"]["layout"]["yaxis"]["ticktext"])
    assert figure(page, "domain-chart")["layout"]["legend"]["yanchor"] == "bottom"  # above the plot, off the axis title
    assert figure(page, "trajectory-chart")["narrow"]["layout"]["height"] > figure(page, "trajectory-chart")["layout"]["height"]


def test_the_table_macro_marks_only_responsive_tables_as_tables_for_screen_readers(app):
    html = rendered(
        app,
        '{% from "macros/ui.html" import table %}'
        '{% call table("A", ["x"], responsive=true, scroll=false) %}<tr><td>1</td></tr>{% endcall %}'
        '{% call table("B", ["y"]) %}<tr><td>2</td></tr>{% endcall %}',
    )
    assert '<table class="nhsuk-table-responsive" role="table">' in html
    assert '<table class="nhsuk-table">' in html
    assert html.count("app-table-scroll") == 1  # B keeps its scrolling box; A stacks instead


def test_a_phone_writes_each_domain_in_at_most_two_lines():
    from trainee_portal.cohort.charts import _two_lines

    assert _two_lines("Pain Medicine", 24) == "Pain Medicine"
    assert _two_lines("Multidisciplinary and biopsychosocial care", 24) == "Multidisciplinary and<br>biopsychosocial care"
    assert _two_lines("Leadership, education, research and medicolegal practice", 24) == "Leadership, education,<br>research and…"
