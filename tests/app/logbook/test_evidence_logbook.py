"""The logbook list: filters, search, sort, pagination, counts against the curriculum, and who may see whose logbook."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.app.logbook.helpers import CLINIC, PROCEDURES
from tests.conftest import TEST_PASSWORD
from tests.factories import AdminFactory, EvidenceFactory, ProcedureFactory, SupervisorFactory, TraineeFactory, assign
from tests.support import clock
from tests.support.statements import page_statements


def _titles(page: str) -> list[str]:
    return re.findall(r'<a href="/logbook/\d+">([^<]+)</a>', page)


@pytest.fixture
def logbook(client, login):
    trainee = TraineeFactory()
    today = clock.today()
    EvidenceFactory(trainee=trainee, title="Alpha clinic", occurred_on=today - timedelta(days=30), notes="Discussed pacing")
    ProcedureFactory(trainee=trainee, title="Bravo block", status="submitted", occurred_on=today - timedelta(days=20))
    EvidenceFactory(
        trainee=trainee,
        title="Charlie DOPS",
        evidence_type="wba.dops",
        codes=(PROCEDURES,),
        status="signed",
        occurred_on=today - timedelta(days=10),
        hospital="Salford Royal",
    )
    EvidenceFactory(
        trainee=trainee,
        title="Delta ward round",
        evidence_type="logbook.ward_round",
        codes=("S1_PM_01",),
        stage_level="basic",
        occurred_on=today - timedelta(days=400),
    )
    login(trainee)
    return trainee


def test_list_shows_current_entries_newest_first(client, logbook):
    page = client.get("/logbook/").get_data(as_text=True)
    assert _titles(page) == ["Charlie DOPS", "Bravo block", "Alpha clinic", "Delta ward round"]
    assert "4 entries" in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("type=wba.dops", ["Charlie DOPS"]),
        ("stage=basic", ["Delta ward round"]),
        (f"competency={PROCEDURES}", ["Charlie DOPS", "Bravo block"]),
        ("status=submitted", ["Bravo block"]),
        (f"date_from={(clock.today() - timedelta(days=25)).isoformat()}", ["Charlie DOPS", "Bravo block"]),
        (f"date_to={(clock.today() - timedelta(days=25)).strftime('%d/%m/%Y')}", ["Alpha clinic", "Delta ward round"]),
        ("q=pacing", ["Alpha clinic"]),
        ("q=salford", ["Charlie DOPS"]),
        ("q=100%25", []),
        ("sort=date_asc", ["Delta ward round", "Alpha clinic", "Bravo block", "Charlie DOPS"]),
        ("sort=title", ["Alpha clinic", "Bravo block", "Charlie DOPS", "Delta ward round"]),
        ("sort=status", ["Alpha clinic", "Delta ward round", "Bravo block", "Charlie DOPS"]),
    ],
)
def test_filters_search_and_sort(client, logbook, query, expected):
    assert _titles(client.get(f"/logbook/?{query}").get_data(as_text=True)) == expected


def test_the_filtered_count_agrees_with_its_number(client, logbook):
    assert "1 entry matches</h2>" in client.get("/logbook/?status=submitted").get_data(as_text=True)
    assert "2 entries match</h2>" in client.get("/logbook/?competency=" + PROCEDURES).get_data(as_text=True)


def test_nonsense_filters_are_ignored_rather_than_failing(client, logbook):
    response = client.get("/logbook/?type=bogus&date_from=yesterday&sort=drop+table&page=abc")
    assert response.status_code == 200 and len(_titles(response.get_data(as_text=True))) == 4


def test_superseded_versions_are_not_listed(client, logbook):
    from trainee_portal.extensions import db
    from trainee_portal.models import EvidenceEntry

    entry = db.session.query(EvidenceEntry).filter_by(title="Alpha clinic").one()
    entry.superseded_at = clock.now()
    db.session.commit()
    assert "Alpha clinic" not in _titles(client.get("/logbook/").get_data(as_text=True))


def test_pagination_uses_the_configured_page_size(client, login, app):
    trainee = TraineeFactory()
    for n in range(7):
        EvidenceFactory(trainee=trainee, title=f"Clinic {n}", occurred_on=clock.today() - timedelta(days=n + 1))
    login(trainee)
    app.config["PAGE_SIZE"] = 3
    try:
        first = client.get("/logbook/?sort=date_desc").get_data(as_text=True)
        third = client.get("/logbook/?sort=date_desc&page=3").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 25
    assert _titles(first) == ["Clinic 0", "Clinic 1", "Clinic 2"] and "Page 1 of 3" in first
    assert "page=2" in first and "sort=date_desc" in first
    assert _titles(third) == ["Clinic 6"]


def test_summary_counts_by_type_against_the_stages_requirements(client, logbook):
    page = client.get("/logbook/").get_data(as_text=True)
    summary = page.split("evidence by type")[1].split("</table>")[0]

    def numbers(label):
        cells = re.search(rf">{re.escape(label)}</a>(?:</div>)?</td>\s*(.*?)</tr>", summary, re.S).group(1)
        return re.findall(r">(\d+|–)(?:</div>)?</td>", cells)

    assert numbers("Clinic") == ["1", "0", "6"]
    assert numbers("Procedure") == ["1", "0", "5"]
    assert numbers("DOPS – direct observation of procedural skills") == ["1", "1", "1"]
    assert "Ward round" in summary  # required by the stage even with nothing logged


def test_supervisor_reads_an_assigned_trainees_logbook_without_record_buttons(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    EvidenceFactory(trainee=trainee, title="Seen by supervisor")
    login(supervisor)
    picker = client.get("/logbook/")
    assert picker.status_code == 200 and "Choose a trainee" in picker.get_data(as_text=True)
    page = client.get(f"/logbook/?trainee={trainee.id}").get_data(as_text=True)
    assert "Seen by supervisor" in page and "Record evidence" not in page
    assert client.get(f"/logbook/?trainee={TraineeFactory().id}").status_code == 403


def test_admin_without_trainees_gets_the_picker(client, login):
    login(AdminFactory())
    assert client.get("/logbook/").status_code == 200


def test_stage_competency_page_lists_the_evidence_claiming_it(client, login):
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee, title="Counts for clinic", codes=(CLINIC,))
    EvidenceFactory(trainee=trainee, title="Other competency", codes=("S3_PM_02",))
    login(trainee)
    page = client.get(f"/higher/competency/{CLINIC}").get_data(as_text=True)
    assert f"Evidence claiming {CLINIC}" in page and "Counts for clinic" in page and "Other competency" not in page
    assert f"/logbook/new?competency={CLINIC}" in page


def test_navigation_shows_the_logbook_to_trainees(client, login):
    login(TraineeFactory())
    page = client.get("/logbook/").get_data(as_text=True)
    assert 'href="/logbook/"' in page and 'href="/dashboard"' in page


def test_odd_page_numbers_and_nul_characters_are_handled_cleanly(client, logbook):
    assert client.get("/logbook/?page=" + "9" * 40).status_code == 200
    assert client.get("/logbook/?page=-5").status_code == 200
    assert client.get("/logbook/?q=a%00b").status_code == 200


def _filter_form(page: str) -> str:
    """The filter form's markup, white space collapsed (none before a tag's closing bracket)."""
    start = page.index('class="app-filter-form"')
    return re.sub(r"\s+>", ">", " ".join(page[start : page.index("</form>", start)].split()))


def test_the_filter_form_shows_each_requests_own_values_and_errors(client, logbook):
    """The filter fields are drawn once per state and kept: each state still shows its own values and messages."""
    plain = _filter_form(client.get("/logbook/").get_data(as_text=True))
    searched = _filter_form(client.get("/logbook/?q=pacing&status=submitted").get_data(as_text=True))
    assert 'value="pacing"' in searched and '<option value="submitted" selected>' in searched
    wrong = _filter_form(client.get("/logbook/?date_from-day=31&date_from-month=2&date_from-year=2026").get_data(as_text=True))
    assert "February 2026 has no day 31" in wrong and 'value="31"' in wrong
    assert _filter_form(client.get("/logbook/").get_data(as_text=True)) == plain
    assert "pacing" not in plain and "has no day" not in plain and 'value="submitted" selected' not in plain
    other = TraineeFactory(profile__curriculum_version="2010", profile__current_stage="basic")
    client.post("/logout")
    client.post("/login", data={"email": other.email, "password": TEST_PASSWORD})
    theirs = _filter_form(client.get("/logbook/").get_data(as_text=True))
    assert "PM_BK_01" in theirs and "S3_PM_01" not in theirs  # their curriculum's competencies, not the cached ones


def test_the_logbook_sends_the_same_statements_for_no_entry_and_for_many(client, login, app):
    """Empty, one entry or a page of many (each with its competencies), any filter, a page past the end: the same."""
    trainee = TraineeFactory()
    login(trainee)
    paths = ("/logbook/", "/logbook/?status=draft&sort=title", "/logbook/?page=9")
    empty = {path: len(page_statements(client, path)) for path in paths}
    EvidenceFactory(trainee=trainee)
    assert {path: len(page_statements(client, path)) for path in paths} == empty
    for n in range(30):
        EvidenceFactory(
            trainee=trainee,
            title=f"Clinic {n}",
            occurred_on=clock.today() - timedelta(days=n + 1),
            codes=("S3_PM_01", "S3_PM_02") if n % 3 == 0 else ("S3_PM_01",),
            status=("draft", "submitted", "signed")[n % 3],
        )
    assert {path: len(page_statements(client, path)) for path in paths} == empty
    page = client.get("/logbook/?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in page and len(_titles(page)) == 6 and "S3_PM_01, S3_PM_02" in page
