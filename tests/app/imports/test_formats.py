"""Imports from other portfolios: an RCoA LLP logbook export and any spreadsheet (CSV or .xlsx) through the mapping
page, the mapping's guards (required fields, forged values, columns the file lacks, another user's upload), the
dry run that saves nothing and says what the import then does, duplicates found across formats, the identifier
guard and vocabulary on mapped columns, and the import-logbook command in each format."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from competencies import import_formats as formats
from competencies import imports as rules
from tests.app.imports.helpers import CLINIC_ROW, DAY, DOPS_ROW, HEADER, entries, job_of, upload
from tests.app.logbook.helpers import CLINIC, PROCEDURES
from tests.factories import SupervisorFactory, TraineeFactory
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.imports import services
from trainee_portal.models import EvidenceEntry, ImportJob

LLP_HEADER = ",".join(formats.LLP_HEADERS) + "\n"
LLP_CLINIC = f"{DAY},Clinic,Follow-up clinic,{CLINIC},Outpatient clinic,Salford Royal,2b,,,Reviewed pacing plan,\n"
LLP_DOPS = (
    f"{DAY},DOPS,Lumbar medial branch block,{PROCEDURES},theatre,Salford Royal,2a,Medial branch block,X-ray (fluoroscopy),,\n"
)
# The same two entries in another spreadsheet's own words and order.
SHEET_HEADER = "Title,When,Kind,Competency codes,Site,Setting,Level of supervision,Technique,Imaging,Comments,Reflection\n"
SHEET_CLINIC = f"Follow-up clinic,{DAY},clinic,{CLINIC},Salford Royal,outpatient,2B,,,Reviewed pacing plan,\n"
SHEET_DOPS = (
    f"Lumbar medial branch block,{DAY},dops,{PROCEDURES},Salford Royal,Theatre or procedure room,2a,medial branch block,xray,,\n"
)
SHEET_MAPPING = {"When": "date", "Kind": "type", "Competency codes": "competencies", "Site": "hospital"}


def send(client, text: str | bytes, name: str, source_format: str, check_only: bool = False):
    data = text.encode() if isinstance(text, str) else text
    form = {"file": (io.BytesIO(data), name), "source_format": source_format}
    if check_only:
        form["check_only"] = "y"
    return client.post("/imports/new", data=form, content_type="multipart/form-data")


def mapping_page(client, text: str | bytes, name: str = "export.csv", source_format: str = "generic") -> str:
    response = send(client, text, name, source_format)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert re.fullmatch(r"/imports/map/[0-9a-f]{32}", response.headers["Location"])
    return response.headers["Location"]


def selected(page: str) -> dict[str, str]:
    """Each select's chosen value on the mapping page, by the select's name."""
    chosen = {}
    for name, body in re.findall(r'<select class="nhsuk-select[^"]*" id="[^"]+" name="([^"]+)">(.*?)</select>', page, re.S):
        chosen[name] = re.search(r'<option value="([^"]*)" selected', body).group(1)
    return chosen


def post_mapping(client, url: str, choices: dict[str, str], action: str = "import"):
    return client.post(url, data={**choices, "action": action})


def _dir(app) -> Path:
    return Path(app.instance_path) / "imports"


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def workbook(rows: list[list], merge: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    extra = book.create_sheet("Second")  # only the first sheet is read
    extra.append(["ignored"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the rules: guessing and checking a mapping ----------------------------------------------------------------


def test_headers_are_guessed_once_each_and_the_llp_preset_comes_first():
    guessed = formats.guess_mapping(["Date", "Activity type", "Description", "Curriculum links", "Comments"], formats.LLP)
    assert guessed == {
        "Date": "date",
        "Activity type": "type",
        "Description": "title",
        "Curriculum links": "competencies",
        "Comments": "notes",
    }
    assert formats.guess_mapping(["Date", "date ", "Favourite colour"]) == {"Date": "date", "date ": "", "Favourite colour": ""}
    assert formats.guess_mapping(["Level-of-Supervision", "IMAGING"]) == {
        "Level-of-Supervision": "supervision_level",
        "IMAGING": "guidance",
    }


def test_a_mapping_must_name_the_files_columns_real_fields_once_and_every_required_field():
    headers = ["Date", "Kind", "Title", "Codes"]
    good = {"Date": "date", "Kind": "type", "Title": "title", "Codes": "competencies"}
    assert formats.mapping_problems(headers, good) == []
    problems = formats.mapping_problems(headers, {**good, "Codes": "", "Nope": "notes", "Kind": "status"})
    assert "The file has no column named “Nope”" in problems
    assert any(p.startswith("“status” is not a logbook field") for p in problems)
    assert "Choose the column that holds the competencies: every entry needs one" in problems
    assert "Choose the column that holds the kind of evidence: every entry needs one" in problems
    twice = formats.mapping_problems(headers, {**good, "Kind": "date"})
    assert "Date is chosen for more than one column (“Date”, “Kind”): choose it for one" in twice


# --- the LLP export and the generic spreadsheet, from the page ------------------------------------------------


def test_an_llp_export_is_mapped_by_the_preset_and_imported_as_drafts(client, login):
    trainee = TraineeFactory()
    login(trainee)
    url = mapping_page(client, LLP_HEADER + LLP_CLINIC + LLP_DOPS, "llp-logbook.csv", "llp")
    page = client.get(url).get_data(as_text=True)
    assert "this programme&#39;s reading of the Lifelong Learning Platform" in page or "this programme's reading" in page
    chosen = selected(page)
    assert chosen == {
        "column-0": "date",
        "column-1": "type",
        "column-2": "title",
        "column-3": "competencies",
        "column-4": "setting",
        "column-5": "hospital",
        "column-6": "supervision_level",
        "column-7": "technique",
        "column-8": "guidance",
        "column-9": "notes",
        "column-10": "reflection",
    }
    assert "Salford Royal" in page and "Follow-up clinic" in page  # sample values
    job = job_of(post_mapping(client, url, chosen))
    assert (job.status, job.source_format, job.rows_imported, job.rows_rejected) == ("done", "llp", 2, 0)
    assert json.loads(job.mapping)["Curriculum links"] == "competencies" and job.stored_name is None
    dops = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.evidence_type == "wba.dops"))
    assert (dops.status, dops.technique, dops.guidance, dops.supervision_level) == ("draft", "medial_branch_block", "xray", "2a")
    clinic = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.evidence_type == "logbook.clinic"))
    assert (clinic.setting, clinic.notes, clinic.competency_codes) == ("outpatient", "Reviewed pacing plan", (CLINIC,))


def test_a_generic_sheet_is_guessed_normalised_and_its_upload_gone_once_imported(client, login, app):
    trainee = TraineeFactory()
    login(trainee)
    url = mapping_page(client, SHEET_HEADER + SHEET_CLINIC + SHEET_DOPS)
    chosen = selected(client.get(url).get_data(as_text=True))
    assert chosen["column-0"] == "title" and chosen["column-1"] == "date" and chosen["column-4"] == "hospital"
    assert chosen["column-8"] == "guidance" and chosen["column-9"] == "notes"
    job = job_of(post_mapping(client, url, chosen))
    assert (job.source_format, job.rows_imported, job.rows_rejected) == ("generic", 2, 0)
    assert client.get(url).status_code == 404  # the waiting upload is removed once imported
    assert not list(_dir(app).glob("pending-*"))


def test_a_workbook_is_read_from_its_first_sheet_with_dates_formulas_empty_rows_and_a_merged_header(client, login):
    trainee = TraineeFactory()
    login(trainee)
    day = datetime.combine(clock.today() - timedelta(days=10), datetime.min.time())
    data = workbook(
        [
            ["Date", "Kind", "Title", "Competencies", "Supervision", "Notes", None],
            [day, "Clinic", "Clinic from a workbook", CLINIC, "2b", "Reviewed", "second note cell"],
            [None, None, None, None, None, None, None],
            [day, "Clinic", '=CONCAT("Cl","inic")', CLINIC, "2b", "", ""],
            [day.date(), "Ward round", "Ward round from a workbook", CLINIC, "2A", 42.0, ""],
        ],
        merge="F1:G1",
    )
    url = mapping_page(client, data, "portfolio.xlsx")
    page = client.get(url).get_data(as_text=True)
    assert "Column G" in page and "ignored" not in page  # the merged header's second cell, by its letter
    chosen = selected(page)
    assert chosen["column-4"] == "supervision_level" and chosen["column-6"] == ""
    job = job_of(post_mapping(client, url, chosen))
    assert (job.rows_imported, job.rows_rejected) == (2, 1), job.problems
    assert [row[:2] for row in json.loads(job.problems)] == [[4, "Title"]]  # the sheet's own row numbers
    titles = set(db.session.scalars(select(EvidenceEntry.title)))
    assert titles == {"Clinic from a workbook", "Ward round from a workbook"}  # a formula's text is never imported
    ward = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.title == "Ward round from a workbook"))
    assert ward.occurred_on == day.date() and ward.notes == "42"
    assert "Column G" in json.loads(job.ignored_columns)


def test_a_damaged_workbook_gets_a_message_not_a_crash(client, login):
    login(TraineeFactory())
    response = send(client, b"PK\x03\x04 not really a workbook", "sheet.xlsx", "generic")
    page = client.get(response.headers["Location"])
    assert page.status_code == 400 and "cannot be read as an Excel workbook" in page.get_data(as_text=True)


def test_a_mapped_file_too_large_or_with_too_many_rows_is_refused(client, login, monkeypatch):
    login(TraineeFactory())
    monkeypatch.setattr(rules, "MAX_ROWS", 1)
    url = mapping_page(client, SHEET_HEADER + SHEET_CLINIC + SHEET_DOPS)
    page = client.get(url)
    assert page.status_code == 400 and "The file has more than 1 rows: a file may hold at most 1. Split it" in page.get_data(
        as_text=True
    )
    monkeypatch.setattr(rules, "MAX_ROWS", 50_000)
    monkeypatch.setattr(rules, "MAX_FILE_BYTES", 100)
    page = client.get(mapping_page(client, SHEET_HEADER + SHEET_CLINIC + SHEET_DOPS))
    assert page.status_code == 400 and "a file may be at most 0 MB" in page.get_data(as_text=True)
    assert db.session.scalars(select(ImportJob)).all() == []


# --- the mapping page's guards --------------------------------------------------------------------------------


def test_the_mapping_page_needs_every_required_field_once_and_refuses_forged_values(client, login):
    trainee = TraineeFactory()
    login(trainee)
    url = mapping_page(client, SHEET_HEADER + SHEET_CLINIC)
    chosen = selected(client.get(url).get_data(as_text=True))
    missing = post_mapping(client, url, {**chosen, "column-3": ""})
    assert missing.status_code == 400 and "Choose the column that holds the competencies" in missing.get_data(as_text=True)
    forged = post_mapping(client, url, {**chosen, "column-9": "status"})
    assert forged.status_code == 400 and "“status” is not a logbook field" in forged.get_data(as_text=True)
    twice = post_mapping(client, url, {**chosen, "column-9": "title"})
    assert twice.status_code == 400 and "Title is chosen for more than one column" in twice.get_data(as_text=True)
    for key in ("column-99", "column--1", "column-x"):
        stray = post_mapping(client, url, {**chosen, key: "notes"})
        assert stray.status_code == 400 and "The file has no column number" in stray.get_data(as_text=True)
    assert entries(trainee) == 0 and db.session.scalars(select(ImportJob)).all() == []


def test_an_upload_waiting_for_its_mapping_is_its_owners_alone(client, login):
    owner, other = TraineeFactory(), TraineeFactory()
    login(owner)
    url = mapping_page(client, SHEET_HEADER + SHEET_CLINIC)
    chosen = selected(client.get(url).get_data(as_text=True))
    client.post("/logout")
    login(other)
    assert client.get(url).status_code == 404
    assert post_mapping(client, url, chosen).status_code == 404
    assert client.get("/imports/map/..%2F..%2Fportal").status_code == 404
    assert entries(owner) == entries(other) == 0


def test_the_mapping_post_needs_its_csrf_token(app, client, login, monkeypatch):
    login(TraineeFactory())
    url = mapping_page(client, SHEET_HEADER + SHEET_CLINIC)
    chosen = selected(client.get(url).get_data(as_text=True))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert post_mapping(client, url, chosen).status_code == 400
    assert post_mapping(client, url, {**chosen, "csrf_token": "forged"}).status_code == 400
    assert db.session.scalars(select(ImportJob)).all() == []


def test_a_value_outside_a_vocabulary_names_its_column_and_the_values_allowed(client, login):
    trainee = TraineeFactory()
    login(trainee)
    bad = f"Clinic,{DAY},Juggling,{CLINIC},,outpatient,2b,,,,\nClinic 2,{DAY},clinic,{CLINIC},,outpatient,Immediate,,,,\n"
    url = mapping_page(client, SHEET_HEADER + bad)
    page = post_mapping(client, url, selected(client.get(url).get_data(as_text=True)), action="check").get_data(as_text=True)
    assert "0 would be imported" in page
    assert re.search(
        r"<td[^>]*>.*?Kind.*?</td>.*?“Juggling” is not a value this field allows: use one of logbook.clinic \(Clinic\)",
        page,
        re.S,
    )
    assert "“Immediate” is not a value this field allows: use one of 1 (1 – Supervisor present throughout)" in page
    assert "Level of supervision" in page


def test_a_patient_identifier_in_a_mapped_note_is_a_row_error_naming_the_column(client, login):
    trainee = TraineeFactory()
    login(trainee)
    row = f"Clinic,{DAY},clinic,{CLINIC},,outpatient,2b,,,Seen NHS 943 476 5919 today,\n"
    url = mapping_page(client, SHEET_HEADER + SHEET_CLINIC + row)
    job = job_of(post_mapping(client, url, selected(client.get(url).get_data(as_text=True))))
    assert (job.rows_imported, job.rows_rejected) == (1, 1)
    [(line, column, message)] = json.loads(job.problems)
    assert (line, column) == (3, "Comments") and "943 476 5919" in message
    assert db.session.scalar(select(func.count()).where(EvidenceEntry.notes.contains("943"))) == 0


# --- the dry run ----------------------------------------------------------------------------------------------


def test_a_dry_run_saves_nothing_and_its_figures_are_the_imports(client, login, app):
    trainee = TraineeFactory()
    login(trainee)
    job_of(upload(client, HEADER + CLINIC_ROW))  # the clinic is already in the logbook
    rejected = f"Bad row,{DAY},clinic,NOPE_1,,outpatient,2b,,,,\n"
    text = SHEET_HEADER + SHEET_CLINIC + SHEET_DOPS + rejected
    before, files = table_counts(), sorted(_dir(app).iterdir())
    report = services.check(trainee, text.encode(), "sheet.csv", "generic", None)
    assert table_counts() == before and sorted(_dir(app).iterdir()) == files
    assert (report.refused, report.rows_total, report.would_import) == ([], 3, 1)
    assert report.skipped_lines == [2] and report.rejected_lines == [4]
    assert {(e.row, e.column) for e in report.errors} == {(4, "Competency codes")}
    url = mapping_page(client, text)
    chosen = selected(client.get(url).get_data(as_text=True))
    before = table_counts()
    page = post_mapping(client, url, chosen, action="check").get_data(as_text=True)
    assert table_counts() == before
    assert "1 would be imported" in page and "1 already in your logbook (skipped)" in page and "1 rejected" in page
    job = job_of(post_mapping(client, url, chosen))
    assert (job.rows_imported, job.rows_skipped, job.rows_rejected, job.rows_total) == (1, 1, 1, 3)


def test_check_only_for_this_logbooks_own_csv_saves_nothing(client, login):
    trainee = TraineeFactory()
    login(trainee)
    before = table_counts()
    response = send(client, HEADER + CLINIC_ROW + DOPS_ROW, "logbook.csv", "portal", check_only=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 would be imported" in page and "Nothing was saved" in page
    assert table_counts() == before
    job_of(upload(client, HEADER + CLINIC_ROW + DOPS_ROW))
    again = send(client, HEADER + CLINIC_ROW + DOPS_ROW, "logbook.csv", "portal", check_only=True).get_data(as_text=True)
    assert "This file would not be imported" in again and "You imported this file on" in again


def test_a_dry_run_of_a_bad_mapping_or_format_says_why_and_saves_nothing(app):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    before = table_counts()
    report = services.check(trainee, (SHEET_HEADER + SHEET_CLINIC).encode(), "s.csv", "generic", {"When": "date"})
    assert "Choose the column that holds the kind of evidence: every entry needs one" in report.refused
    assert services.check(trainee, b"x", "s.csv", "pdf").refused[0].startswith("“pdf” is not a format")
    refused = services.check(supervisor, (HEADER + CLINIC_ROW).encode(), "logbook.csv")
    assert refused.refused == ["Only a trainee's own logbook receives an import"] and refused.would_import == 0
    assert table_counts() == before


# --- duplicates across formats --------------------------------------------------------------------------------


def test_an_llp_export_imported_again_as_a_generic_sheet_is_skipped(client, login):
    trainee = TraineeFactory()
    login(trainee)
    url = mapping_page(client, LLP_HEADER + LLP_CLINIC + LLP_DOPS, "llp.csv", "llp")
    assert job_of(post_mapping(client, url, selected(client.get(url).get_data(as_text=True)))).rows_imported == 2
    url = mapping_page(client, SHEET_HEADER + SHEET_CLINIC + SHEET_DOPS, "sheet.csv", "generic")
    again = job_of(post_mapping(client, url, selected(client.get(url).get_data(as_text=True))))
    assert (again.rows_imported, again.rows_skipped) == (0, 2)
    mine = job_of(upload(client, HEADER + CLINIC_ROW + DOPS_ROW))  # and this logbook's own CSV of them too
    assert (mine.rows_imported, mine.rows_skipped) == (0, 2) and entries(trainee) == 2


# --- the command ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["import-logbook", *map(str, args)])


def test_the_command_imports_an_llp_export_with_its_preset(cli, tmp_path):
    trainee = TraineeFactory()
    path = tmp_path / "llp.csv"
    path.write_text(LLP_HEADER + LLP_CLINIC + LLP_DOPS)
    result = cli(path, "--trainee", trainee.email, "--format", "llp")
    assert result.exit_code == 0, result.output
    assert "Curriculum links → Competencies" in result.output and "Imported 2 entries as drafts" in result.output
    assert entries(trainee) == 2


def test_the_command_maps_a_generic_workbook_and_refuses_a_bad_map(cli, tmp_path):
    trainee = TraineeFactory()
    day = clock.today() - timedelta(days=3)
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(workbook([["On", "What", "Heading", "Outcomes", "Level"], [day, "clinic", "Clinic", CLINIC, "2b"]]))
    refused = cli(path, "--trainee", trainee.email, "--format", "generic")
    assert refused.exit_code == 1 and "Choose the column that holds the date" in refused.output
    bad = cli(path, "--trainee", trainee.email, "--format", "generic", "--map", "On")
    assert bad.exit_code != 0 and "write it as Column=field" in bad.output
    maps = ["--map", "On=date", "--map", "What=type", "--map", "Heading=title", "--map", "Outcomes=competencies"]
    maps += ["--map", "Level=supervision_level"]
    dry = cli(path, "--trainee", trainee.email, "--format", "generic", *maps, "--dry-run")
    assert (
        dry.exit_code == 0 and "Dry run, nothing saved: 1 would be imported, 0 already in the logbook, 0 rejected." in dry.output
    )
    assert entries(trainee) == 0
    done = cli(path, "--trainee", trainee.email, "--format", "generic", "--mapping", json.dumps({"On": "date"}), *maps[2:])
    assert done.exit_code == 0, done.output
    assert "Imported 1 entry as drafts" in done.output and entries(trainee) == 1


def test_the_command_checks_this_logbooks_own_csv_without_saving(cli, tmp_path):
    trainee = TraineeFactory()
    path = tmp_path / "logbook.csv"
    path.write_text(HEADER + CLINIC_ROW + DOPS_ROW + f"{DAY},Juggling,x,{CLINIC},,,,,,,\n")
    before = table_counts()
    dry = cli(path, "--trainee", trainee.email, "--dry-run")
    assert dry.exit_code == 0 and "2 would be imported, 0 already in the logbook, 1 rejected." in dry.output
    assert "row 4, column type:" in dry.output and table_counts() == before
    assert cli(path, "--trainee", trainee.email, "--map", "a=date").exit_code != 0


# --- the samples on the import page ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "source_format"), [("llp-logbook-export.csv", "llp"), ("other-portfolio.xlsx", "generic")])
def test_each_sample_offered_on_the_import_page_imports_as_it_is(client, login, name, source_format):
    trainee = TraineeFactory()
    login(trainee)
    assert f'href="/imports/samples/{name}"' in client.get("/imports/new").get_data(as_text=True)
    response = client.get(f"/imports/samples/{name}")
    assert response.status_code == 200 and name in response.headers["Content-Disposition"]
    url = mapping_page(client, response.data, name, source_format)
    job = job_of(post_mapping(client, url, selected(client.get(url).get_data(as_text=True))))
    assert (job.rows_imported, job.rows_rejected) == (3, 0), job.problems
    assert client.get("/imports/samples/..%2Fportal.sqlite3").status_code == 404


def test_a_forged_format_or_a_workbook_as_this_logbooks_csv_is_refused_on_the_upload_page(client, login):
    trainee = TraineeFactory()
    login(trainee)
    forged = send(client, HEADER + CLINIC_ROW, "logbook.csv", "dropbox")
    assert forged.status_code == 400 and "Not a valid choice" in forged.get_data(as_text=True)
    workbook_as_csv = send(client, workbook([["date"]]), "logbook.xlsx", "portal")
    assert workbook_as_csv.status_code == 400 and "must be a CSV file" in workbook_as_csv.get_data(as_text=True)
    assert db.session.scalars(select(ImportJob)).all() == [] and entries(trainee) == 0
