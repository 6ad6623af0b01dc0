"""Logbook imports over the API: each format's dry run (the web's figures) and import (queued, run, its job at
Location), the web's refusals as problem documents (the same file, an import running, a bad mapping naming its
columns, a file too large or unreadable, a bad format), an import's job and the caller's list of them (ETags, cursor
pages), and who may do what: a token without evidence:write, other users' imports, a browser's cookie, no CSRF."""

from __future__ import annotations

import io
import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from competencies import import_formats as formats
from competencies import imports as rules
from tests.app.api.import_files import LLP_FILE, SHEET_FILE, SHEET_HEADER, SHEET_MAPPING, portal_file, sheet_workbook
from tests.app.imports.helpers import CLINIC_ROW, DAY, HEADER, entries
from tests.app.logbook.helpers import CLINIC
from tests.factories import DirectorFactory, SupervisorFactory, TraineeFactory
from tests.support.api import assert_problem, bearer, new_token
from trainee_portal.api import keyset
from trainee_portal.auth import tokens
from trainee_portal.extensions import db
from trainee_portal.imports import pending, services
from trainee_portal.models import EvidenceEntry, ImportJob
from trainee_portal.platform import tasks

IMPORTS = "/api/v1/imports"
WRITE = ("read", "evidence:write")


def post(client, headers, data: str | bytes, name: str, source_format: str | None, **fields):
    """POST /api/v1/imports as curl -F sends it: the file part, then the text parts (a dict mapping as JSON)."""
    body = {"file": (io.BytesIO(data.encode() if isinstance(data, str) else data), name)}
    if source_format is not None:
        body["format"] = source_format
    for key, value in fields.items():
        body[key] = json.dumps(value) if isinstance(value, dict) else str(value).lower() if isinstance(value, bool) else value
    return client.post(IMPORTS, data=body, headers=headers, content_type="multipart/form-data")


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def saved_state() -> dict:
    """Every table's row count but the tokens' (a call notes its token's use), and the uploads kept on disk."""
    counts = table_counts()
    counts.pop("api_token")
    return {"tables": counts, "files": sorted(p.name for p in services.upload_dir().iterdir())}


def web_dry_run(page: str) -> tuple[int, int, int]:
    """(would import, already in the logbook, rejected) as the import page's dry run says them."""
    found = re.search(
        r"([\d,]+) would be imported</strong> as drafts, ([\d,]+) already in your logbook \(skipped\), ([\d,]+) rejected", page
    )
    assert found, page[:3000]
    return tuple(int(n.replace(",", "")) for n in found.groups())


def web_check(client, user, data: str | bytes, name: str, source_format: str) -> str:
    """The web's dry run of the file: "Check only" for this logbook's CSV, the mapping page's "Check" for the others
    (with the mapping the page guesses; the upload waiting for its mapping is then removed, as "Import" would)."""
    body = {"file": (io.BytesIO(data.encode() if isinstance(data, str) else data), name), "source_format": source_format}
    if source_format == formats.PORTAL:
        body["check_only"] = "y"
        return client.post("/imports/new", data=body, content_type="multipart/form-data").get_data(as_text=True)
    url = client.post("/imports/new", data=body, content_type="multipart/form-data").headers["Location"]
    page = client.get(url).get_data(as_text=True)
    chosen = dict(
        re.findall(r'<select class="nhsuk-select[^"]*" id="[^"]+" name="([^"]+)">.*?<option value="([^"]*)" selected', page, re.S)
    )
    checked = client.post(url, data={**chosen, "action": "check"}).get_data(as_text=True)
    pending.forget(user.id, url.rsplit("/", 1)[1])
    return checked


def api_figures(body: dict) -> tuple[int, int, int]:
    return body["would_import"], body["already_in_logbook"], body["rejected"]


# --- each format: the dry run (the web's figures) and the import ---------------------------------------------------


REJECTED_ROW = f"{DAY},Juggling,Bad kind,{CLINIC},outpatient,,2b,,,,\n"


@pytest.mark.parametrize(
    ("source_format", "name", "content"),
    [
        ("portal", "logbook.csv", lambda: portal_file(REJECTED_ROW)),
        ("llp", "llp-logbook.csv", lambda: LLP_FILE + f"{DAY},Juggling,Bad kind,{CLINIC},,,2b,,,,\n"),
        ("generic", "portfolio.csv", lambda: SHEET_FILE + f"Bad kind,{DAY},juggling,{CLINIC},,outpatient,2b,,,,\n"),
        ("generic", "portfolio.xlsx", sheet_workbook),
    ],
)
def test_a_dry_run_has_the_webs_figures_saves_nothing_and_the_import_then_does_what_it_said(
    client, login, source_format, name, content
):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    data = content()
    login(trainee)
    already = post(client, headers, HEADER + CLINIC_ROW, "earlier.csv", "portal")  # one row already in the logbook
    assert already.status_code == 202, already.get_data(as_text=True)
    web = web_dry_run(web_check(client, trainee, data, name, source_format))
    before = saved_state()

    dry = post(client, headers, data, name, source_format, dry_run=True)

    assert dry.status_code == 200, dry.get_data(as_text=True)
    report = dry.get_json()
    assert saved_state() == before  # no entry, no job, no file kept
    assert api_figures(report) == web == (1, 1, 1)
    assert (report["format"], report["refused"], report["rows_total"]) == (source_format, [], 3)
    assert report["already_in_logbook_rows"] == [2]
    [problem] = report["problems"]
    assert problem["row"] == 4 and "juggling" in problem["message"].lower()
    if source_format == "portal":
        assert report["mapping"] is None and problem["column"] == "type"
    else:
        assert set(report["mapping"]) == set(SHEET_HEADER if source_format == "generic" else formats.LLP_HEADERS)
        assert problem["column"] in ("Kind", "Activity type")

    real = post(client, headers, data, name, source_format)

    assert real.status_code == 202, real.get_data(as_text=True)
    job = real.get_json()
    assert real.headers["Location"] == f"{IMPORTS}/{job['id']}" == job["links"]["self"]
    assert job["links"]["page"] == f"/imports/{job['id']}"
    assert (job["status"], job["format"], job["finished"]) == ("done", source_format, True)  # the test queue runs at once
    assert (job["rows_imported"], job["rows_skipped"], job["rows_rejected"], job["rows_total"]) == (1, 1, 1, 3)
    assert job["skipped_rows"] == [2] and job["problem_count"] == 1 and job["problems"][0]["row"] == 4
    assert job["mapping"] == report["mapping"]
    assert entries(trainee) == 2
    dops = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.evidence_type == "wba.dops"))
    assert (dops.status, dops.trainee_id, dops.competency_codes) == ("draft", trainee.id, ("S3_PM_03",))
    page = client.get("/logbook/").get_data(as_text=True)
    assert "Lumbar medial branch block" in page  # on the trainee's logbook page

    shown = client.get(real.headers["Location"], headers=headers)
    assert shown.status_code == 200 and shown.get_json() == job


def test_an_llp_export_without_a_mapping_is_read_by_the_preset_and_one_given_is_used_as_given(client):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    guessed = post(client, headers, LLP_FILE, "llp.csv", "llp", dry_run=True).get_json()
    assert guessed["mapping"] == {header: formats.LLP_PRESET[formats.header_key(header)] for header in formats.LLP_HEADERS}
    assert guessed["would_import"] == 2 and guessed["ignored_columns"] == []
    mine = {"Date": "date", "Activity type": "type", "Description": "title", "Curriculum links": "competencies"}
    mine |= {"Supervision": "supervision_level", "Procedure": "technique", "Guidance": "guidance"}
    given = post(client, headers, LLP_FILE, "llp.csv", "llp", mapping=mine, dry_run=True).get_json()
    assert given["mapping"] == {header: mine.get(header, "") for header in formats.LLP_HEADERS}
    assert "Hospital" in given["ignored_columns"] and given["would_import"] == 2
    job = post(client, headers, LLP_FILE, "llp.csv", "llp", mapping=mine).get_json()
    assert job["rows_imported"] == 2
    assert db.session.scalars(select(EvidenceEntry.hospital)).all() == [None, None]  # the column not chosen is not read


def test_a_generic_sheet_is_imported_through_the_mapping_given(client):
    trainee = TraineeFactory()
    response = post(client, bearer(trainee, WRITE), SHEET_FILE, "sheet.csv", "generic", mapping=SHEET_MAPPING)
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()
    assert job["mapping"] == {header: SHEET_MAPPING.get(header, "") for header in SHEET_HEADER}
    assert job["rows_imported"] == 2 and "Comments" in job["ignored_columns"]


def test_a_queued_import_answers_queued_and_its_job_follows_the_worker(app, client):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    queue = tasks.queue(app)
    queue.immediate = False
    try:
        response = post(client, headers, portal_file(), "logbook.csv", "portal")
        assert len(queue) == 1
    finally:
        queue.flush()  # run by hand below, as the worker would
        queue.immediate = True
    assert response.status_code == 202
    job = response.get_json()
    assert (job["status"], job["finished"], job["rows_total"], job["rows_imported"]) == ("queued", False, 2, 0)
    assert job["started_at"] is None and job["finished_at"] is None
    first = client.get(response.headers["Location"], headers=headers)
    assert first.get_json()["status"] == "queued"
    again = post(client, headers, portal_file(REJECTED_ROW), "other.csv", "portal")  # a second import meanwhile
    body = assert_problem(again, 409)
    assert body["earlier_import"] == {"id": job["id"], "status": "queued", "href": f"{IMPORTS}/{job['id']}"}
    assert "has not finished: wait for it" in body["detail"]

    services.run(job["id"])

    db.session.expire_all()
    after = client.get(response.headers["Location"], headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert (after.get_json()["status"], after.get_json()["rows_imported"]) == ("done", 2)
    assert entries(trainee) == 2


# --- the web's refusals, as problem documents ----------------------------------------------------------------------


def test_the_same_file_again_is_a_409_naming_the_earlier_import_and_its_dry_run_says_so(client):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    first = post(client, headers, portal_file(), "logbook.csv", "portal").get_json()
    before = saved_state()
    again = post(client, headers, portal_file(), "renamed.csv", "portal")
    body = assert_problem(again, 409)
    assert body["earlier_import"] == {"id": first["id"], "status": "done", "href": f"{IMPORTS}/{first['id']}"}
    assert body["detail"].startswith("You imported this file on") and "Nothing was imported again" in body["detail"]
    assert saved_state() == before
    dry = post(client, headers, portal_file(), "renamed.csv", "portal", dry_run=True)
    assert dry.status_code == 200
    report = dry.get_json()
    assert report["refused"] == [body["detail"]]  # the web's dry run says the same
    assert (report["would_import"], report["already_in_logbook"]) == (0, 2)


def test_a_bad_mapping_is_a_422_naming_each_column_and_the_fields_missing(client):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    before = saved_state()
    mapping = {**SHEET_MAPPING, "Nope": "notes", "Kind": "status", "Comments": "date"}
    for dry_run in (True, False):
        body = assert_problem(post(client, headers, SHEET_FILE, "s.csv", "generic", mapping=mapping, dry_run=dry_run), 422)
        errors = {(e["location"], e["field"], e["message"]) for e in body["errors"]}
        assert ("form", "mapping.Nope", "The file has no column named “Nope”") in errors
        assert any(f == "mapping.Kind" and m.startswith("“status” is not a logbook field") for _, f, m in errors)
        assert ("form", "mapping", "Choose the column that holds the kind of evidence: every entry needs one") in errors
        assert any(f == "mapping" and "chosen for more than one column (“When”, “Comments”)" in m for _, f, m in errors)
        assert body["detail"] == "The mapping cannot be used: see errors."
    assert saved_state() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"mapping": "not json"}, "mapping", "Not JSON"),
        ({"mapping": '["date"]'}, "mapping", "Give an object of column names to fields"),
        ({"mapping": '{"When": 3}'}, "mapping", "Give an object of column names to fields"),
        ({"dry_run": "perhaps"}, "dry_run", "Not a valid boolean."),
        ({"colour": "blue"}, "colour", "Unknown field."),
    ],
)
def test_refused_form_values_are_422s_naming_the_field(client, fields, field, message):
    headers = bearer(TraineeFactory(), WRITE)
    before = saved_state()
    body = assert_problem(post(client, headers, SHEET_FILE, "s.csv", "generic", **fields), 422)
    assert any(e["field"] == field and e["message"].startswith(message) for e in body["errors"]), body
    assert saved_state() == before


def test_a_bad_format_a_missing_file_or_a_mapping_for_the_portals_csv_is_a_422(client):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    before = saved_state()
    body = assert_problem(post(client, headers, portal_file(), "logbook.csv", "pdf"), 422)
    assert [(e["field"], e["message"]) for e in body["errors"]] == [("format", "Must be one of: portal, llp, generic.")]
    assert assert_problem(post(client, headers, portal_file(), "logbook.csv", None), 422)["errors"][0]["field"] == "format"
    mapped = assert_problem(post(client, headers, portal_file(), "logbook.csv", "portal", mapping={"date": "date"}), 422)
    assert mapped["errors"][0]["field"] == "mapping" and "names its columns" in mapped["errors"][0]["message"]
    no_file = client.post(IMPORTS, data={"format": "portal"}, headers=headers, content_type="multipart/form-data")
    assert assert_problem(no_file, 422)["errors"][0]["field"] == "file"
    as_text = client.post(IMPORTS, data={"format": "portal", "file": "date,type"}, headers=headers)
    assert "as a file part" in assert_problem(as_text, 422)["errors"][0]["message"]
    as_json = client.post(IMPORTS, json={"format": "portal", "file": "date,type"}, headers=headers)
    assert {e["field"] for e in assert_problem(as_json, 422)["errors"]} == {"file", "format"}
    assert saved_state() == before


@pytest.mark.parametrize(
    ("data", "name", "source_format", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x81\x8d\x90" * 20, "logbook.csv", "portal", "The file is not text"),
        (b"\x89PNG\r\n\x1a\n\x00\x81\x8d\x90" * 20, "sheet.csv", "generic", "The file is not text or Excel"),
        (b"PK\x03\x04 not really a workbook", "sheet.xlsx", "generic", "cannot be read as an Excel workbook"),
        (b"", "sheet.csv", "llp", "The file is empty"),
        (HEADER.encode(), "logbook.csv", "portal", "no rows to import"),
        (b"date,title\n01/01/2026,x\n", "logbook.csv", "portal", "Add the columns type, competencies"),
        (b"x", "logbook.xlsx", "portal", "The file must be a CSV file (ending .csv) for this logbook's own format"),
        (b"x", "logbook.pdf", "generic", "The file must be a CSV file (ending .csv) or an Excel workbook"),
        (b"x", "Jane Smith 943 476 5919.csv", "generic", "Rename the file"),
    ],
)
def test_a_file_refused_as_a_whole_is_a_422_naming_the_file(client, data, name, source_format, message):
    headers = bearer(TraineeFactory(), WRITE)
    before = saved_state()
    for dry_run in (True, False):
        body = assert_problem(post(client, headers, data, name, source_format, dry_run=dry_run), 422)
        assert any(e["field"] == "file" and message in e["message"] for e in body["errors"]), body
    assert saved_state() == before


def test_a_file_over_the_size_limit_or_a_body_over_the_upload_cap_is_a_413(app, client, monkeypatch):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    before = saved_state()
    monkeypatch.setattr(rules, "MAX_FILE_BYTES", 100)
    for source_format, name in (("portal", "logbook.csv"), ("generic", "sheet.csv")):
        for dry_run in (True, False):
            body = assert_problem(post(client, headers, portal_file(), name, source_format, dry_run=dry_run), 413)
            assert "a file may be at most 0 MB" in body["detail"]
    monkeypatch.setattr(rules, "MAX_FILE_BYTES", 32 * 1024 * 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    assert_problem(post(client, headers, portal_file() + "x" * 3000, "logbook.csv", "portal"), 413)
    monkeypatch.setattr(rules, "MAX_ROWS", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 34 * 1024 * 1024)
    rows = assert_problem(post(client, headers, portal_file(), "logbook.csv", "portal"), 422)
    assert "a file may hold at most 1" in rows["errors"][0]["message"]
    assert saved_state() == before


def test_a_patient_identifier_in_a_row_is_that_rows_problem_naming_its_column(client):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    row = f"Clinic,{DAY},clinic,{CLINIC},,outpatient,2b,,,Seen NHS 943 476 5919 today,\n"
    report = post(client, headers, SHEET_FILE + row, "s.csv", "generic", dry_run=True).get_json()
    [problem] = report["problems"]
    assert (problem["row"], problem["column"]) == (4, "Comments") and report["would_import"] == 2
    job = post(client, headers, SHEET_FILE + row, "s.csv", "generic").get_json()
    assert (job["rows_imported"], job["rows_rejected"], job["problems"][0]["column"]) == (2, 1, "Comments")
    assert db.session.scalar(select(func.count()).where(EvidenceEntry.notes.contains("943"))) == 0


# --- an import's job and the caller's imports ----------------------------------------------------------------------


def test_a_jobs_problems_are_the_first_few_with_their_count_and_its_etag_answers_304(client, monkeypatch):
    trainee = TraineeFactory()
    headers = bearer(trainee, WRITE)
    monkeypatch.setattr(rules, "PROBLEMS_SHOWN", 2)
    bad = "".join(f"{DAY},Juggling,Bad {n},{CLINIC},,,,,,,\n" for n in range(3))
    job = post(client, headers, portal_file(bad), "logbook.csv", "portal").get_json()
    assert job["problem_count"] == 3 and [p["row"] for p in job["problems"]] == [4, 5]
    first = client.get(f"{IMPORTS}/{job['id']}", headers=headers)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(f"{IMPORTS}/{job['id']}", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_callers_imports_come_a_page_at_a_time_newest_first_and_never_anyone_elses(client):
    trainee, other = TraineeFactory(), TraineeFactory()
    mine = [_job(trainee, n) for n in range(5)]
    theirs = [_job(other, n) for n in range(3)]
    headers = bearer(trainee, WRITE)
    seen, url, pages = [], f"{IMPORTS}?limit=2", 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        link = response.headers.get("Link")
        if body["next_cursor"] is None:
            assert link is None
            url = None
        else:
            assert link == f'<{IMPORTS}?limit=2&cursor={body["next_cursor"]}>; rel="next"'
            url = link[1 : link.index(">")]
    assert seen == sorted((job.id for job in mine), reverse=True) and pages == 3
    # A cursor naming another trainee's import still lists only the caller's own, older than it.
    forged = client.get(
        f"{IMPORTS}?cursor={keyset.encode(None, max(j.id for j in theirs), keyset.ID)}", headers=headers
    ).get_json()
    assert {item["id"] for item in forged["items"]} <= {job.id for job in mine}
    listed = client.get(IMPORTS, headers=headers)
    assert [item["filename"] for item in listed.get_json()["items"]] == [f"file-{n}.csv" for n in range(4, -1, -1)]
    cached = client.get(IMPORTS, headers={**headers, "If-None-Match": listed.headers["ETag"]})
    assert cached.status_code == 304


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=1000000000000",
        "limit=two",
        "cursor=abc",
        "cursor=%27%20OR%201%3D1--",
        "cursor=0.",
        "cursor=1000000000.",  # past the largest id
        "cursor=12.ab",
        "cursor=" + "A" * 5000,
    ],
)
def test_a_bad_limit_or_cursor_is_a_422_problem(client, query):
    body = assert_problem(client.get(f"{IMPORTS}?{query}", headers=bearer(TraineeFactory(), WRITE)), 422)
    assert body["errors"][0]["location"] == "query"


def _job(trainee, n: int) -> ImportJob:
    job = ImportJob(
        trainee_id=trainee.id,
        created_by_id=trainee.id,
        filename=f"file-{n}.csv",
        file_sha256=f"{trainee.id}-{n}".ljust(64, "0"),
        size_bytes=10,
        status="done",
    )
    db.session.add(job)
    db.session.commit()
    return job


# --- who may import over the API -------------------------------------------------------------------------------------


def test_another_users_import_is_refused_as_its_page_refuses_it(client, login):
    owner, other = TraineeFactory(), TraineeFactory()
    job = post(client, bearer(owner, WRITE), portal_file(), "logbook.csv", "portal").get_json()
    login(other)
    assert client.get(f"/imports/{job['id']}").status_code == 403
    assert_problem(client.get(f"{IMPORTS}/{job['id']}", headers=bearer(other, WRITE)), 403)
    assert client.get(f"/imports/{job['id'] + 1000}").status_code == 404
    assert_problem(client.get(f"{IMPORTS}/{job['id'] + 1000}", headers=bearer(other, WRITE)), 404)
    assert_problem(client.get(f"{IMPORTS}/99999999999", headers=bearer(other, WRITE)), 404)
    assert client.get(IMPORTS, headers=bearer(other, WRITE)).get_json()["items"] == []


def test_a_token_without_evidence_write_is_refused_before_its_upload_is_read(client):
    trainee = TraineeFactory()
    job = post(client, bearer(trainee, WRITE), portal_file(), "logbook.csv", "portal").get_json()
    read_only = bearer(trainee, ("read",))
    before = saved_state()
    for response in (
        post(client, read_only, portal_file(REJECTED_ROW), "new.csv", "portal"),
        post(client, read_only, portal_file(REJECTED_ROW), "new.csv", "portal", dry_run=True),
        post(client, read_only, b"", "x.pdf", "nonsense"),  # refused for its scope, not its input
        client.get(f"{IMPORTS}/{job['id']}", headers=read_only),
        client.get(f"{IMPORTS}?cursor=nonsense", headers=read_only),
    ):
        assert_problem(response, 403)
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
        assert 'scope="evidence:write"' in response.headers["WWW-Authenticate"]
    assert saved_state() == before and entries(trainee) == 2


@pytest.mark.parametrize("factory", [SupervisorFactory, DirectorFactory])
def test_a_user_who_keeps_no_logbook_cannot_import_over_the_api(client, factory):
    user = factory()
    headers = bearer(user, ("read",))
    before = saved_state()
    response = post(client, headers, portal_file(), "logbook.csv", "portal")
    assert_problem(response, 403)
    with pytest.raises(tokens.TokenRefused, match="cannot grant this scope"):
        tokens.create(user, "Importer", ("read", "evidence:write"), None)  # such a token cannot be made
    assert saved_state() == before


def test_a_token_made_by_a_trainee_imports_nothing_once_its_owner_keeps_no_logbook(client):
    user = TraineeFactory()
    headers = bearer(user, WRITE)
    user.set_roles(["supervisor"])
    db.session.commit()
    before = saved_state()
    assert_problem(post(client, headers, portal_file(), "logbook.csv", "portal"), 403)
    assert_problem(client.get(IMPORTS, headers=headers), 403)
    assert saved_state() == before


def test_a_revoked_or_forged_token_or_a_browsers_cookie_imports_nothing(client, login):
    trainee = TraineeFactory()
    token, secret = new_token(trainee, WRITE)
    tokens.revoke(token, trainee)
    db.session.commit()
    login(trainee)
    before = saved_state()
    assert_problem(post(client, {"Authorization": f"Bearer {secret}"}, portal_file(), "l.csv", "portal"), 401)
    assert_problem(post(client, {"Authorization": f"Bearer {secret[:-2]}xx"}, portal_file(), "l.csv", "portal"), 401)
    assert_problem(post(client, {}, portal_file(), "l.csv", "portal"), 401)
    assert_problem(client.get(IMPORTS), 401)
    assert saved_state() == before and entries(trainee) == 0


def test_a_token_needs_no_csrf_token_to_import(app, client, monkeypatch):
    trainee = TraineeFactory()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = post(client, bearer(trainee, WRITE), portal_file(), "logbook.csv", "portal")
    assert response.status_code == 202 and entries(trainee) == 2


# --- generated calls, with real files and real imports -------------------------------------------------------------


def test_generated_calls_with_real_files_and_imports_answer_as_the_document_says(app):
    """Schemathesis's cases for each import operation, as a trainee, where the upload is often a real file of each
    format (under a name the import accepts) and the job often one of the trainee's own or another's: every answer
    is documented and matches its schema, and the real paths (a dry run, an import, the same file again, a job, a
    page of jobs) are among them."""
    trainee, other = TraineeFactory(), TraineeFactory()
    headers = bearer(trainee, WRITE)
    jobs = [_job(trainee, n).id for n in range(3)] + [_job(other, 0).id]
    files = [
        (portal_file(REJECTED_ROW), "logbook.csv", "portal"),
        (LLP_FILE, "llp-logbook.csv", "llp"),
        (SHEET_FILE, "portfolio.csv", "generic"),
        (sheet_workbook(), "portfolio.xlsx", "generic"),
    ]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    seen: dict[str, set[int]] = {}
    substitutes = {
        "POST /api/v1/imports": st.sampled_from(files),
        "GET /api/v1/imports/{job_id}": st.sampled_from(jobs[::-1]),  # the other trainee's first
        "GET /api/v1/imports": st.sampled_from(jobs),
    }
    for label, substitute in substitutes.items():
        method, path = label.split(" ")
        _generated_calls(app.test_client(), label, schema[path][method], substitute, headers, seen)
    assert {200, 202, 409, 422} <= seen["POST /api/v1/imports"], seen
    assert {200, 403} <= seen["GET /api/v1/imports/{job_id}"], seen
    assert {200} <= seen["GET /api/v1/imports"], seen


def _generated_calls(client, label: str, operation, substitute, headers: dict, seen: dict) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
    @given(case=operation.as_strategy(), real=st.booleans(), value=substitute)
    def call(case, real, value):
        if real and label.startswith("POST"):
            # The file part under a name the import accepts (schemathesis names a file part after its field).
            data, name, source_format = value
            fields = {key: v for key, v in case.body.items() if key not in ("file", "format", "mapping")}
            response = post(client, headers, data, name, source_format, **fields)
        else:
            if real and "{job_id}" in label:
                case.path_parameters = {"job_id": value}
            elif real:
                case.query = {"limit": 2, "cursor": keyset.encode(None, value, keyset.ID)}
            response = case.call(headers={**headers, "Accept-Encoding": "identity"})  # its WSGI client reads no gzip
        assert response.status_code < 500, (label, response.status_code)
        case.validate_response(response, headers=headers)
        seen.setdefault(label, set()).add(response.status_code)

    call()
