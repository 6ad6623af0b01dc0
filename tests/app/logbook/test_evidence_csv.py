"""CSV export and import, in the browser (a background job, run at once when testing) and from the import-logbook
command (all or nothing), plus the PDF portfolio."""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta

from sqlalchemy import func, select

from tests.app.logbook.helpers import CLINIC, PROCEDURES
from tests.factories import EvidenceFactory, ProcedureFactory, SignOffFactory, SupervisorFactory, TraineeFactory, assign
from tests.support import clock
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, EvidenceTally

DAY = (clock.today() - timedelta(days=10)).strftime("%d/%m/%Y")
HEADER = "date,type,title,competencies,setting,hospital,supervision_level,technique,guidance,notes,reflection\n"
GOOD = (
    f"{DAY},Clinic,Follow-up clinic,{CLINIC},outpatient,Salford Royal,2b,,,Reviewed pacing plan,\n"
    f"{DAY},DOPS,Lumbar medial branch block,{PROCEDURES},theatre,Salford Royal,2a,Medial branch block,X-ray (fluoroscopy),,\n"
    f"{DAY},reflection,On breaking bad news,S3_PM_02,,,,,,,I would pause sooner next time\n"
)


def _count(trainee):
    return db.session.scalar(select(func.count()).select_from(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id))


def _upload(client, text: str, name: str = "logbook.csv"):
    return client.post("/imports/new", data={"file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data")


def test_import_adds_every_row_as_a_draft_and_updates_progress_once(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = _upload(client, HEADER + GOOD)
    assert response.status_code == 302 and response.headers["Location"].startswith("/imports/")
    assert "3 imported</strong> as drafts, 0 already imported (skipped), 0 rejected" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    entries = db.session.scalars(select(EvidenceEntry).order_by(EvidenceEntry.id)).all()
    assert [(e.evidence_type, e.status, e.technique, e.guidance) for e in entries] == [
        ("logbook.clinic", "draft", None, None),
        ("wba.dops", "draft", "medial_branch_block", "xray"),
        ("reflection", "draft", None, None),
    ]
    assert all(e.content_hash == e.compute_content_hash() for e in entries)
    tallies = db.session.scalar(select(func.sum(EvidenceTally.count)).where(EvidenceTally.trainee_id == trainee.id))
    assert tallies == 3
    records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [r.action for r in records] == ["import.queued", "evidence.imported", "import.finished"]
    assert '"rows":3' in records[1].payload and audit.verify_chain().ok


def test_good_rows_are_imported_and_each_rejected_row_is_listed_by_row_and_column(client, login):
    trainee = TraineeFactory()
    login(trainee)
    future = (clock.today() + timedelta(days=5)).isoformat()
    bad = (
        HEADER
        + GOOD
        + f"{future},Clinic,Tomorrow's clinic,{CLINIC},,,2b,,,,\n"
        + f"{DAY},Clinic,Clinic,{CLINIC},,,2b,,,NHS 943 476 5919 seen,\n"
        + f"{DAY},Juggling,Clinic,NOPE_1,,,2b,,,,\n"
        + f"{DAY},DOPS,Block,{PROCEDURES},,,2a,,,,\n"
        + f'{DAY},Clinic,"unclosed, extra",{CLINIC},,,2b,,,,,surplus\n'
    )
    response = _upload(client, bad)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(trainee) == 3
    assert "3 imported</strong> as drafts, 0 already imported (skipped), 5 rejected" in page
    rows = [  # each cell's value sits in its own box (the stacked table on a phone)
        [cell.strip().removesuffix("</div>") for cell in row.split("</td>")]
        for row in page.split('<tr class="nhsuk-table__row">')[1:]
    ]
    problems = {(r[0].split(">")[-1], r[1].split(">")[-1]) for r in rows if len(r) > 2}
    assert ("5", "date") in problems and ("6", "notes") in problems
    assert ("7", "type") in problems and ("7", "competencies") in problems
    assert ("8", "technique") in problems and ("8", "guidance") in problems and ("9", "row") in problems
    assert "The date cannot be in the future" in page and "Remove &#34;943 476 5919&#34;" in page
    assert "This row has 12 values but the header has 11 columns" in page


def test_missing_required_columns_and_empty_or_binary_files_are_explained(client, login):
    login(TraineeFactory())
    assert "Add the columns type, competencies" in _upload(client, "date,title\n01/01/2026,x\n").get_data(as_text=True)
    assert "The file is empty" in _upload(client, "").get_data(as_text=True)
    assert "no rows to import" in _upload(client, HEADER).get_data(as_text=True)
    assert "must be a CSV file" in _upload(client, HEADER, name="logbook.xlsx").get_data(as_text=True)
    assert "Choose a CSV file" in client.post("/imports/new", data={}).get_data(as_text=True)


def test_export_lists_current_entries_and_guards_against_spreadsheet_formulas(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    signed = EvidenceFactory(trainee=trainee, title='=HYPERLINK("http://x")', setting="outpatient")
    SignOffFactory(evidence=signed, signer=supervisor)
    EvidenceFactory(trainee=trainee, title="Ward round", evidence_type="logbook.ward_round")
    login(trainee)
    response = client.get("/logbook/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["title"] for r in rows] == ['\'=HYPERLINK("http://x")', "Ward round"]
    assert rows[0]["status"] == "signed" and rows[0]["competencies"] == CLINIC


def test_an_exported_logbook_imports_again(client, login):
    source, target = TraineeFactory(), TraineeFactory()
    EvidenceFactory(trainee=source, title="Clinic one", setting="outpatient", hospital="Salford Royal")
    ProcedureFactory(trainee=source)
    login(source)
    exported = client.get("/logbook/export.csv").get_data(as_text=True)
    client.post("/logout")
    login(target)
    assert _upload(client, exported).status_code == 302
    titles = db.session.scalars(
        select(EvidenceEntry.title).where(EvidenceEntry.trainee_id == target.id).order_by(EvidenceEntry.id)
    ).all()
    assert sorted(titles) == ["Block", "Clinic one"]


def test_supervisor_exports_an_assigned_trainees_logbook_but_not_others(client, login):
    trainee, other, supervisor = TraineeFactory(), TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    EvidenceFactory(trainee=trainee)
    login(supervisor)
    assert client.get(f"/logbook/export.csv?trainee={trainee.id}").status_code == 200
    assert client.get(f"/logbook/export.csv?trainee={other.id}").status_code == 403
    assert client.get(f"/logbook/portfolio.pdf?trainee={trainee.id}").status_code == 200
    assert client.post("/imports/new", data={}).status_code == 403


def test_portfolio_pdf_lists_signed_evidence_by_stage_and_competency(client, login):
    from trainee_portal import curricula
    from trainee_portal.logbook import queries

    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    signed = EvidenceFactory(trainee=trainee, title="Signed clinic", codes=(CLINIC, "S3_PM_02"))
    SignOffFactory(evidence=signed, signer=supervisor)
    EvidenceFactory(trainee=trainee, title="Draft clinic")
    login(trainee)
    response = client.get("/logbook/portfolio.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    stages = queries.signed_by_competency(trainee.id, curricula.curriculum("2021"))
    listed = {
        (stage.level, competency.code, entry.title)
        for stage, items in stages
        for competency, entries in items
        for entry, _ in entries
    }
    assert listed == {("higher", CLINIC, "Signed clinic"), ("higher", "S3_PM_02", "Signed clinic")}


def test_import_command_imports_with_a_progress_bar(app, tmp_path):
    trainee = TraineeFactory()
    path = tmp_path / "logbook.csv"
    path.write_text(HEADER + GOOD)
    result = app.test_cli_runner().invoke(args=["import-logbook", str(path), "--trainee", trainee.email.upper()])
    assert result.exit_code == 0, result.output
    assert "Imported 3 entries as drafts" in result.output and _count(trainee) == 3
    record = db.session.scalar(select(AuditRecord))
    assert record.actor_id is None and "import-logbook" in record.actor_label


def test_import_command_lists_errors_and_saves_nothing(app, tmp_path):
    trainee = TraineeFactory()
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + GOOD + f"{DAY},Clinic,MRN 1234567 clinic,{CLINIC},,,2b,,,,\n")
    result = app.test_cli_runner().invoke(args=["import-logbook", str(path), "--trainee", trainee.email])
    assert result.exit_code == 1 and _count(trainee) == 0
    assert 'row 5, column title: Remove "MRN 1234567"' in result.output


def test_import_command_refuses_unknown_or_non_trainee_accounts(app, tmp_path):
    supervisor = SupervisorFactory()
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + GOOD)
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["import-logbook", str(path), "--trainee", "nobody@example.nhs.uk"])
    assert unknown.exit_code == 2 and "no account has the email" in unknown.output and "Traceback" not in unknown.output
    not_trainee = runner.invoke(args=["import-logbook", str(path), "--trainee", supervisor.email])
    assert not_trainee.exit_code == 2 and "is not a trainee" in not_trainee.output
    missing = runner.invoke(args=["import-logbook", str(tmp_path / "nope.csv"), "--trainee", supervisor.email])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_two_thousand_rows_import_quickly(app, tmp_path):
    trainee = TraineeFactory()
    path = tmp_path / "big.csv"
    lines = [HEADER.strip()]
    for n in range(2000):
        day = (clock.today() - timedelta(days=n % 700 + 1)).isoformat()
        lines.append(f"{day},logbook.clinic,Clinic {n},{CLINIC};S3_PM_02,outpatient,Salford Royal,2b,,,Clinic notes {n},")
    path.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["import-logbook", str(path), "--trainee", trainee.email])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert _count(trainee) == 2000 and elapsed < 30
    tally = {
        t.competency_code: t.count
        for t in db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee.id))
    }
    assert tally == {CLINIC: 2000, "S3_PM_02": 2000}
