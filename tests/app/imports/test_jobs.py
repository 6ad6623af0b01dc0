"""An import job's life: a bad file refused at once, the queued job run by the worker (at once when testing, and once
by a real consumer on SQLite), its progress and result pages, the rejected rows as CSV, and who may see them."""

from __future__ import annotations

import csv
import io
import time

import pytest
from sqlalchemy import select

from competencies import imports as rules
from tests.app.audit.helpers import fails_naming, run_sql, verify_audit
from tests.app.imports.helpers import CLINIC_ROW, DAY, DOPS_ROW, HEADER, clinic_rows, entries, job_of, upload
from tests.app.logbook.helpers import CLINIC
from tests.factories import SupervisorFactory, TraineeFactory, assign
from trainee_portal.extensions import db
from trainee_portal.imports import services
from trainee_portal.models import AuditRecord, EvidenceEntry, ImportJob
from trainee_portal.platform import tasks


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"date,title\n01/01/2026,x\n", "Add the columns type, competencies"),
        (HEADER.encode(), "no rows to import"),
        (b"\x89PNG\r\n\x1a\n\x00\x81\x8d\x90" * 20, "The file is not text"),
    ],
)
def test_a_bad_file_is_refused_at_once_with_a_clear_message(client, login, content, message):
    trainee = TraineeFactory()
    login(trainee)
    response = upload(client, content)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalars(select(ImportJob)).all() == [] and entries(trainee) == 0


def test_too_many_rows_or_bytes_are_refused_before_anything_is_queued(client, login, monkeypatch):
    login(TraineeFactory())
    monkeypatch.setattr(rules, "MAX_ROWS", 3)
    response = upload(client, HEADER + clinic_rows(4))
    assert response.status_code == 400 and "The file has 4 rows: a file may hold at most 3. Split it" in response.get_data(
        as_text=True
    )
    monkeypatch.setattr(rules, "MAX_FILE_BYTES", 100)
    response = upload(client, HEADER + clinic_rows(2))
    assert response.status_code == 400 and "a file may be at most 0 MB" in response.get_data(as_text=True)
    assert db.session.scalars(select(ImportJob)).all() == []


def test_a_body_over_the_upload_cap_gets_a_page_not_a_crash(client, login, app):
    login(TraineeFactory())
    app.config["MAX_CONTENT_LENGTH"], cap = 2000, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = upload(client, HEADER + clinic_rows(100))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = cap
    assert response.status_code == 413 and "<html" in response.get_data(as_text=True)


def test_the_largest_file_fits_the_upload_cap(app):
    assert app.config["MAX_CONTENT_LENGTH"] > rules.MAX_FILE_BYTES and rules.MAX_ROWS >= 50_000


def test_the_result_page_lists_rejected_rows_and_offers_them_as_csv(client, login):
    trainee = TraineeFactory()
    login(trainee)
    bad = f"{DAY},Clinic,=cmd|' /C calc'!A0,{CLINIC},,,2b,,,NHS 943 476 5919 seen,\n"
    job = job_of(upload(client, HEADER + CLINIC_ROW + bad + f"{DAY},Juggling,Clinic,NOPE_1,,,2b,,,,\n"))
    assert (job.rows_imported, job.rows_rejected) == (1, 2)
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Rejected rows" in page and "Remove &#34;943 476 5919&#34;" in page
    response = client.get(f"/imports/{job.id}/problems.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["row", "column", "problem"]
    assert {(r[0], r[1]) for r in rows[1:]} >= {("3", "notes"), ("4", "type"), ("4", "competencies")}
    assert all(not r[2].startswith(("=", "+", "-", "@")) for r in rows[1:])


def test_status_json_follows_the_job(client, login):
    trainee = TraineeFactory()
    login(trainee)
    job = job_of(upload(client, HEADER + CLINIC_ROW + DOPS_ROW))
    status = client.get(f"/imports/{job.id}/status.json").get_json()
    assert status == {
        "status": "done",
        "finished": True,
        "rows_total": 2,
        "rows_checked": 2,
        "percent": 100,
        "rows_imported": 2,
        "rows_skipped": 0,
        "rows_rejected": 0,
    }


def test_a_queued_job_shows_its_progress_with_a_refresh_link_that_works_without_javascript(client, login):
    trainee = TraineeFactory()
    login(trainee)
    job = ImportJob(trainee_id=trainee.id, filename="big.csv", file_sha256="e" * 64, size_bytes=10, rows_total=40_000)
    job.status, job.rows_checked = "running", 10_000
    db.session.add(job)
    db.session.commit()
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Importing your logbook" in page and "10,000 of 40,000 rows checked." in page
    assert f'href="/imports/{job.id}" data-import-refresh' in page and "js/import-status" in page
    assert client.get(f"/imports/{job.id}/status.json").get_json()["percent"] == 25


def test_nobody_but_the_trainee_sees_an_import(client, login):
    trainee, other, supervisor = TraineeFactory(), TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    login(trainee)
    job = job_of(upload(client, HEADER + CLINIC_ROW))
    for person in (other, supervisor):
        client.post("/logout")
        login(person)
        for suffix in ("", "/status.json", "/problems.csv"):
            assert client.get(f"/imports/{job.id}{suffix}").status_code == 403
    assert client.get("/imports/new").status_code == 403  # a supervisor imports into no one's logbook


def test_the_old_import_address_leads_to_the_new_one(client, login):
    login(TraineeFactory())
    assert client.get("/logbook/import").headers["Location"] == "/imports/new"
    response = upload(client, HEADER + CLINIC_ROW)
    assert client.post("/logbook/import").status_code == 307 and response.status_code == 302


def test_a_task_delivered_twice_runs_once(client, login):
    trainee = TraineeFactory()
    login(trainee)
    job = job_of(upload(client, HEADER + CLINIC_ROW + DOPS_ROW))
    records = db.session.scalar(select(db.func.count()).select_from(AuditRecord))
    services.run(job.id)
    db.session.expire_all()
    assert entries(trainee) == 2 and db.session.scalar(select(db.func.count()).select_from(AuditRecord)) == records


def test_a_job_whose_file_is_gone_fails_with_a_message_and_saves_nothing(app, client, login):
    trainee = TraineeFactory()
    login(trainee)
    tasks.queue(app).immediate = False
    try:
        job = job_of(upload(client, HEADER + CLINIC_ROW))
        assert len(tasks.queue(app)) == 1
    finally:
        tasks.queue(app).flush()  # the queued task is run by hand below
        tasks.queue(app).immediate = True
    assert job.status == "queued" and (services.upload_dir() / job.stored_name).is_file()
    (services.upload_dir() / job.stored_name).unlink()
    services.run(job.id)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == "failed" and "the file is gone" in job.failure and entries(trainee) == 0
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Import failed" in page and "Nothing was imported" in page


def test_the_upload_is_deleted_once_the_job_ends(client, login):
    login(TraineeFactory())
    job = job_of(upload(client, HEADER + CLINIC_ROW))
    assert job.stored_name is None and list(services.upload_dir().glob("*.csv")) == []


def test_an_import_is_one_audit_record_and_verify_audit_stays_green(app, client, login):
    trainee = TraineeFactory()
    login(trainee)
    job_of(upload(client, HEADER + clinic_rows(30)))
    imported = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "evidence.imported"))
    assert '"evidence_ids":[[' in imported.payload and '"rows":30' in imported.payload and '"rows_sha256":' in imported.payload
    code, output = verify_audit(app)
    assert code == 0, output


def test_verify_audit_names_an_imported_entry_removed_by_sql(app, client, login):
    trainee = TraineeFactory()
    login(trainee)
    job_of(upload(client, HEADER + clinic_rows(3)))
    evidence_id = db.session.scalar(select(db.func.max(EvidenceEntry.id)))
    run_sql("DELETE FROM evidence_competency WHERE evidence_id = :id", id=evidence_id)
    run_sql("DELETE FROM evidence_entry WHERE id = :id", id=evidence_id)
    fails_naming(app, f"evidence {evidence_id}", "created it, but its row is gone")


def test_a_real_consumer_runs_the_queued_import_on_sqlite(app, client, login):
    """The queue as production uses it: the upload queues the job in SQLite, a consumer thread picks it up."""
    trainee = TraineeFactory()
    login(trainee)
    huey = tasks.queue(app)
    consumer = tasks.consumer(app)  # leaves immediate mode: tasks go to the SQLite queue in the instance folder
    try:
        assert type(huey).__name__ == "SqliteHuey" and not huey.immediate and len(huey) == 0
        job = job_of(upload(client, HEADER + clinic_rows(20)))
        assert job.status == "queued" and len(huey) == 1
        consumer.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.get(ImportJob, job.id).status in rules.FINISHED:
                break
            time.sleep(0.2)
    finally:
        if consumer.scheduler.is_alive():
            consumer.stop(graceful=True)
        huey.flush()
        huey.immediate = True
    job = db.session.get(ImportJob, job.id)
    assert (job.status, job.rows_imported) == ("done", 20) and entries(trainee) == 20


def test_a_job_left_running_by_a_stopped_worker_fails_so_the_trainee_can_upload_again(client, login):
    from datetime import timedelta

    from trainee_portal.platform.clock import utcnow

    trainee = TraineeFactory()
    login(trainee)
    started = utcnow() - timedelta(minutes=rules.STALE_AFTER_MINUTES + 1)
    stale = ImportJob(trainee_id=trainee.id, filename="big.csv", file_sha256="d" * 64, size_bytes=10, status="running")
    stale.started_at = started
    db.session.add(stale)
    db.session.commit()
    job = job_of(upload(client, HEADER + CLINIC_ROW))
    assert job.rows_imported == 1
    stale = db.session.get(ImportJob, stale.id)
    assert stale.status == "failed" and "its worker was stopped" in stale.failure
