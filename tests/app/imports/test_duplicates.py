"""Importing without fear: rows already imported, or already in the logbook, are found by their fingerprint and
skipped; the same file again is refused, naming the earlier import; two imports at once cannot both save a row."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from competencies import imports as rules
from tests.app.imports.helpers import CLINIC_ROW, DOPS_ROW, HEADER, REFLECTION_ROW, entries, job_of, upload
from tests.factories import EvidenceFactory, ProcedureFactory, TraineeFactory
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.imports import services
from trainee_portal.logbook import csv_io
from trainee_portal.models import ImportedRow, ImportJob


def test_the_same_file_again_is_refused_with_the_date_and_rows_of_the_earlier_import(client, login):
    trainee = TraineeFactory()
    login(trainee)
    first = job_of(upload(client, HEADER + CLINIC_ROW + DOPS_ROW))
    assert (first.status, first.rows_imported) == ("done", 2)
    again = upload(client, HEADER + CLINIC_ROW + DOPS_ROW, name="renamed.csv")
    page = again.get_data(as_text=True)
    assert again.status_code == 400 and "This file was not imported" in page
    assert "You imported this file on " in page and "(2 entries imported, 0 already in your logbook, 0 rejected)" in page
    assert f"/imports/{first.id}" in page
    assert entries(trainee) == 2 and db.session.scalar(select(db.func.count()).select_from(ImportJob)) == 1


def test_a_file_with_some_rows_already_imported_reports_new_and_skipped_rows_by_number(client, login):
    trainee = TraineeFactory()
    login(trainee)
    job_of(upload(client, HEADER + CLINIC_ROW + DOPS_ROW))
    job = job_of(upload(client, HEADER + CLINIC_ROW + REFLECTION_ROW + DOPS_ROW))
    assert (job.rows_imported, job.rows_skipped, job.rows_rejected) == (1, 2, 0)
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "1 imported</strong> as drafts, 2 already imported (skipped), 0 rejected" in page
    assert "Skipped rows (already imported or already in your logbook): 2, 4." in page
    assert entries(trainee) == 3


def test_entries_written_by_hand_or_imported_before_fingerprints_are_found_too(client, login):
    """An export of the logbook, imported again into the same account, adds nothing: every row is an entry already."""
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee, title="Clinic one", setting="outpatient", hospital="Salford Royal")
    ProcedureFactory(trainee=trainee)
    login(trainee)
    exported = client.get("/logbook/export.csv").get_data(as_text=True)
    job = job_of(upload(client, exported))
    assert (job.rows_imported, job.rows_skipped) == (0, 2) and entries(trainee) == 2
    other = TraineeFactory()
    client.post("/logout")
    login(other)
    assert job_of(upload(client, exported)).rows_imported == 2  # another trainee's logbook has none of them


def test_an_exported_entry_holding_details_its_kind_does_not_record_is_found_again(client, login):
    """A reflection saved with a hospital and notes (as older entries were): the import drops what a reflection does
    not record, so the fingerprint of its entry must leave those out too, or the row comes back as a new draft."""
    trainee = TraineeFactory()
    EvidenceFactory(
        trainee=trainee,
        evidence_type="reflection",
        title="Reflection on a hard consultation",
        setting="other",
        hospital="Salford Royal",
        supervision_level="2a",
        notes="Anonymised summary of the case.",
        reflection="What went well and what I would change.",
    )
    login(trainee)
    exported = client.get("/logbook/export.csv").get_data(as_text=True)
    job = job_of(upload(client, exported))
    assert (job.rows_imported, job.rows_skipped, job.rows_rejected) == (0, 1, 0) and entries(trainee) == 1


def test_identical_rows_are_separate_entries_and_each_is_found_again(client, login):
    """Three identical procedures on one day are three entries; a fourth copy added to the file is the one new row."""
    trainee = TraineeFactory()
    login(trainee)
    assert job_of(upload(client, HEADER + DOPS_ROW * 3)).rows_imported == 3
    job = job_of(upload(client, HEADER + DOPS_ROW * 4))
    assert (job.rows_imported, job.rows_skipped) == (1, 3) and entries(trainee) == 4


def test_an_edited_import_is_still_found_by_the_row_it_came_from(client, login):
    trainee = TraineeFactory()
    login(trainee)
    job_of(upload(client, HEADER + CLINIC_ROW))
    db.session.execute(db.update(csv_io.EvidenceEntry).values(title="Renamed after import"))
    db.session.commit()
    job = job_of(upload(client, HEADER + CLINIC_ROW + REFLECTION_ROW))
    assert (job.rows_imported, job.rows_skipped) == (1, 1)


def test_the_database_refuses_a_second_copy_of_a_fingerprint_for_the_same_trainee(app):
    trainee, other = TraineeFactory(), TraineeFactory()
    row = {"trainee_id": trainee.id, "fingerprint": "a" * 64, "row_number": 2}
    db.session.execute(insert(ImportedRow.__table__), [row, {**row, "trainee_id": other.id}])
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(ImportedRow.__table__), [row])
        db.session.commit()
    db.session.rollback()


def test_two_imports_at_once_save_each_row_once(client, login, monkeypatch):
    """The second import checked before the first saved: its claim on the rows fails, it checks again and skips them."""
    trainee = TraineeFactory()
    profile = trainee.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    checked = csv_io.check_csv((HEADER + CLINIC_ROW + DOPS_ROW).encode(), curriculum)
    csv_io.import_rows(trainee, profile, curriculum, checked.rows, "first.csv")
    db.session.commit()
    calls = []
    real = csv_io.known_fingerprints

    def stale_first_time(trainee_id):
        calls.append(trainee_id)
        return set() if len(calls) == 1 else real(trainee_id)  # as read before the other import committed

    monkeypatch.setattr(csv_io, "known_fingerprints", stale_first_time)
    login(trainee)
    job = job_of(upload(client, HEADER + CLINIC_ROW + DOPS_ROW + REFLECTION_ROW))
    assert len(calls) == 2 and (job.status, job.rows_imported, job.rows_skipped) == ("done", 1, 2)
    assert entries(trainee) == 3


def test_rows_claimed_by_another_import_roll_back_and_save_nothing(app, monkeypatch):
    trainee = TraineeFactory()
    profile = trainee.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    checked = csv_io.check_csv((HEADER + CLINIC_ROW).encode(), curriculum)
    fingerprint = rules.fingerprints(checked.rows)[0]
    db.session.add(ImportedRow(trainee_id=trainee.id, fingerprint=fingerprint, row_number=2))
    db.session.commit()
    monkeypatch.setattr(csv_io, "known_fingerprints", lambda trainee_id: set())  # as read before the other saved
    with pytest.raises(csv_io.RowsClaimed):
        csv_io.import_rows(trainee, profile, curriculum, checked.rows, "x.csv")
    db.session.rollback()
    assert entries(trainee) == 0


def test_a_failed_import_may_be_tried_again_with_the_same_file(client, login):
    trainee = TraineeFactory()
    login(trainee)
    job = ImportJob(trainee_id=trainee.id, filename="x.csv", file_sha256=rules.file_sha256((HEADER + CLINIC_ROW).encode()))
    job.size_bytes, job.status = 10, "failed"
    db.session.add(job)
    db.session.commit()
    assert job_of(upload(client, HEADER + CLINIC_ROW)).rows_imported == 1


def test_fingerprints_do_not_depend_on_how_the_file_writes_a_row():
    written = {"occurred_on": "2026-03-14", "evidence_type": "wba.dops", "title": " Block ", "competencies": ["b", "A"]}
    stored = {"occurred_on": "2026-03-14", "evidence_type": "wba.dops", "title": "Block", "competencies": ("A", "B")}
    assert rules.fingerprints([written]) == rules.fingerprints([stored])
    assert rules.fingerprints([stored, stored])[0] != rules.fingerprints([stored, stored])[1]
    assert rules.fingerprints([{**stored, "notes": "x"}]) != rules.fingerprints([stored])


def test_services_refuse_a_second_import_while_one_is_unfinished(client, login):
    trainee = TraineeFactory()
    login(trainee)
    waiting = ImportJob(trainee_id=trainee.id, filename="big.csv", file_sha256="f" * 64, size_bytes=10, status="running")
    db.session.add(waiting)
    db.session.commit()
    response = upload(client, HEADER + CLINIC_ROW)
    assert response.status_code == 400 and "Your import of big.csv from" in response.get_data(as_text=True)
    assert entries(trainee) == 0 and services.queries.unfinished_job(trainee.id).id == waiting.id


def test_the_import_command_skips_rows_already_in_the_logbook(app, tmp_path):
    trainee = TraineeFactory()
    path = tmp_path / "logbook.csv"
    path.write_text(HEADER + CLINIC_ROW + DOPS_ROW)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-logbook", str(path), "--trainee", trainee.email]).exit_code == 0
    path.write_text(HEADER + CLINIC_ROW + DOPS_ROW + REFLECTION_ROW)
    again = runner.invoke(args=["import-logbook", str(path), "--trainee", trainee.email])
    assert again.exit_code == 0, again.output
    assert "Skipped 2 rows already in the logbook (rows 2, 3)." in again.output and "Imported 1 entry as drafts" in again.output
    assert entries(trainee) == 3
