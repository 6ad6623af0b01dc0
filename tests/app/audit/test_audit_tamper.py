"""A hostile database administrator: each tamper is made by raw SQL (or on disk) after real data was built through
the services, and `verify-audit` must name it, with its kind and place, and exit 1."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from tests.app.audit.helpers import fails_naming, run_sql, verify_audit
from tests.app.logbook.helpers import PDF_BYTES
from tests.factories import DopsFactory, ExamSittingFactory, SupervisorFactory
from trainee_portal import audit
from trainee_portal.exams import services as exam_services
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.logbook import attachments
from trainee_portal.models import AuditCheckpoint, AuditRecord, EvidenceEntry


def test_the_untouched_world_verifies_with_counts(app, world):
    code, output = verify_audit(app)
    assert code == 0, output
    for counted in (
        "audit records: ",
        "sign-offs: 1",
        "evidence entries: 3",
        "attachments: 1",
        "stage sign-offs: 1",
        "exam results: 1",
        "ARCP outcomes: 1",
    ):
        assert counted in output
    assert world.certificate.attachment_sha256 == attachments.file_sha256(
        attachments.file_path(world.certificate.attachment_path)
    )


def test_signoff_level_changed(app, world):
    run_sql("UPDATE sign_off SET supervision_level = '4' WHERE id = :id", id=world.signoff.id)
    fails_naming(app, f"[signoff] sign-off {world.signoff.id} (evidence {world.signed.id}): level is '4' but audit record")


def test_signoff_signer_changed(app, world):
    other = SupervisorFactory()
    run_sql("UPDATE sign_off SET signer_id = :s WHERE id = :id", s=other.id, id=world.signoff.id)
    fails_naming(app, f"sign-off {world.signoff.id} (evidence {world.signed.id}): signer_id is {other.id} but audit record")


@pytest.mark.parametrize(
    "column,value",
    [
        ("assessor_name", "Dr Nobody"),
        ("assessor_gmc", "1234567"),
        ("assessor_email", "me@example.org"),
        ("assurance", "trusted_domain"),
    ],
)
def test_signoff_assessor_and_assurance_changed(app, world, column, value):
    run_sql(f"UPDATE sign_off SET {column} = :v WHERE id = :id", v=value, id=world.signoff.id)
    fails_naming(app, f"sign-off {world.signoff.id} (evidence {world.signed.id}): {column} is '{value}'")


def test_signoff_feedback_changed(app, world):
    run_sql("UPDATE sign_off SET feedback = 'Outstanding in every way.' WHERE id = :id", id=world.signoff.id)
    output = fails_naming(app, f"sign-off {world.signoff.id} (evidence {world.signed.id}): feedback is its text but audit record")
    assert "Outstanding" not in output  # free text is named, not echoed


def test_signoff_deleted_while_evidence_stays_signed(app, world):
    where = f"sign-off {world.signoff.id} (evidence {world.signed.id})"
    run_sql("DELETE FROM sign_off WHERE id = :id", id=world.signoff.id)
    fails_naming(
        app,
        f"{where}: audit record",
        "its row is gone, and the log never voided it",
        f"[evidence] evidence {world.signed.id}: its status is 'signed' but it has no live signature that counts",
    )


def test_signoff_voided_while_evidence_stays_signed(app, world):
    run_sql("UPDATE sign_off SET voided_at = CURRENT_TIMESTAMP, void_reason = 'x' WHERE id = :id", id=world.signoff.id)
    fails_naming(
        app,
        f"sign-off {world.signoff.id} (evidence {world.signed.id}): it was voided, but no signoff.voided",
        f"evidence {world.signed.id}: its status is 'signed' but it has no live signature",
    )


def test_voided_signoff_brought_back_to_life(app, world):
    from trainee_portal.logbook import services as evidence_service

    evidence_service.new_version(world.people.owner, world.signed)
    db.session.commit()
    run_sql("UPDATE sign_off SET voided_at = NULL WHERE id = :id", id=world.signoff.id)
    fails_naming(
        app,
        f"sign-off {world.signoff.id} (evidence {world.signed.id}): audit record",
        "voided it, but the row is live again",
        "and superseded but its signature was never voided",
    )


def test_draft_set_to_signed(app, world):
    run_sql("UPDATE evidence_entry SET status = 'signed' WHERE id = :id", id=world.draft.id)
    fails_naming(app, f"[evidence] evidence {world.draft.id}: its status is 'signed' but it has no live signature")


def test_draft_set_to_submitted_without_a_request(app, world):
    run_sql("UPDATE evidence_entry SET status = 'submitted' WHERE id = :id", id=world.draft.id)
    fails_naming(app, f"evidence {world.draft.id}: its status is 'submitted' but no request is pending")


def test_arcp_outcome_edited(app, world):
    run_sql("UPDATE arcp_outcome SET outcome = '6' WHERE id = :id", id=world.outcome.id)
    fails_naming(
        app, f"[arcp_outcome] ARCP outcome {world.outcome.id} (trainee {world.people.owner.id}): outcome is '6' but audit record"
    )


@pytest.mark.parametrize(
    "row,where,statement,fragment",
    [
        ("outcome", "ARCP outcome {id}", "UPDATE arcp_outcome SET notes = 'Rewritten' WHERE id = :id", "notes is its text"),
        (
            "outcome",
            "ARCP outcome {id}",
            "UPDATE arcp_outcome SET panel_date = '2020-01-01' WHERE id = :id",
            "panel_date is '2020-01-01'",
        ),
        ("outcome", "ARCP outcome {id}", "DELETE FROM arcp_outcome WHERE id = :id", "recorded it, but its row is gone"),
        (
            "exam",
            "[exam_result] exam result {id}",
            "UPDATE exam_attempt SET result = 'pass' WHERE id = :id",
            "result is 'pass' but audit record",
        ),
        ("exam", "[exam_result] exam result {id}", "UPDATE exam_attempt SET score = 75 WHERE id = :id", "score is 75"),
        ("exam", "[exam_result] exam result {id}", "DELETE FROM exam_attempt WHERE id = :id", "recorded it, but its row is gone"),
    ],
)
def test_arcp_outcome_and_exam_result_edited_or_deleted(app, world, row, where, statement, fragment):
    row_id = getattr(world, row).id
    run_sql(statement, id=row_id)
    fails_naming(app, where.format(id=row_id), fragment)


def test_exam_correction_through_the_service_is_the_latest_word(app, world):
    exam_services.correct_attempt(world.exam, "pass", 61.0, None, "Marking error", world.people.director)
    db.session.commit()
    assert verify_audit(app)[0] == 0
    run_sql("UPDATE exam_attempt SET result = 'fail' WHERE id = :id", id=world.exam.id)
    fails_naming(app, f"exam result {world.exam.id}", "result is 'fail'")


def test_exam_result_inserted_without_an_audit_record(app, world):
    other = ExamSittingFactory(days_from_today=-240)
    run_sql(
        "INSERT INTO exam_attempt (trainee_id, sitting_id, result, recorded_by_id, created_at, updated_at) "
        "VALUES (:t, :s, 'pass', :t, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        t=world.people.owner.id,
        s=other.id,
    )
    fails_naming(app, "no audit record names this row: it was added to the database directly")


@pytest.mark.parametrize(
    "statement,fragment",
    [
        ("UPDATE stage_sign_off SET signed_by_id = :other WHERE id = :id", "signed_by_id is"),
        ("UPDATE stage_sign_off SET stage_level = 'forged' WHERE id = :id", "stage_level is 'forged'"),
        ("UPDATE stage_sign_off SET signed_on = '2020-01-01' WHERE id = :id", "signed_on is '2020-01-01'"),
        ("UPDATE stage_sign_off SET comment = 'x' WHERE id = :id", "comment is its text"),
    ],
)
def test_stage_signoff_edited(app, world, statement, fragment):
    params = {"id": world.stage.id, "other": world.people.director.id} if ":other" in statement else {"id": world.stage.id}
    run_sql(statement, **params)
    fails_naming(app, f"[stage_signoff] stage sign-off {world.stage.id}", fragment)


def test_certificate_file_replaced_on_disk(app, world):
    path = attachments.file_path(world.certificate.attachment_path)
    path.write_bytes(PDF_BYTES + b"% forged certificate\n")
    fails_naming(
        app,
        f"[attachment] evidence {world.certificate.id}, file {world.certificate.attachment_path}: the file's bytes do not match",
    )


def test_certificate_file_removed(app, world):
    attachments.file_path(world.certificate.attachment_path).unlink()
    fails_naming(app, f"evidence {world.certificate.id}, file {world.certificate.attachment_path}: the file is missing")


def test_certificate_replaced_and_its_fingerprint_rewritten(app, world):
    path = attachments.file_path(world.certificate.attachment_path)
    path.write_bytes(PDF_BYTES + b"% forged\n")
    run_sql(
        "UPDATE evidence_entry SET attachment_sha256 = :h WHERE id = :id",
        h=attachments.file_sha256(path),
        id=world.certificate.id,
    )
    fails_naming(app, f"evidence {world.certificate.id}", "differs from the one the audit log recorded")


def test_files_from_before_fingerprints_are_a_warning_until_fingerprinted(app, world):
    legacy = DopsFactory(trainee=world.people.owner, title="Old certificate")
    stored = attachments.upload_dir() / "0123456789abcdef0123456789abcdef.pdf"
    stored.write_bytes(PDF_BYTES)
    run_sql("UPDATE evidence_entry SET attachment_path = :p WHERE id = :id", p=stored.name, id=legacy.id)
    code, output = verify_audit(app)
    assert code == 0 and f"WARNING [attachment] evidence {legacy.id}, file {stored.name}: not yet fingerprinted" in output
    result = app.test_cli_runner().invoke(args=["fingerprint-attachments"])
    assert result.exit_code == 0 and "Fingerprinted 1 file." in result.output
    assert "Fingerprinted 0 files" in app.test_cli_runner().invoke(args=["fingerprint-attachments"]).output
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, legacy.id).attachment_sha256 == attachments.file_sha256(stored)
    code, output = verify_audit(app)
    assert code == 0 and "WARNING" not in output
    stored.write_bytes(PDF_BYTES + b"% changed\n")
    fails_naming(app, f"evidence {legacy.id}, file {stored.name}: the file's bytes do not match")


def test_a_removed_fingerprint_is_named_and_not_recorded_again(app, world):
    where = f"evidence {world.certificate.id}, file {world.certificate.attachment_path}"
    path = attachments.file_path(world.certificate.attachment_path)
    path.write_bytes(PDF_BYTES + b"% forged\n")
    run_sql("UPDATE evidence_entry SET attachment_sha256 = NULL WHERE id = :id", id=world.certificate.id)
    fails_naming(app, f"{where}: audit record", "fingerprinted this file, but the row's fingerprint was removed")
    result = app.test_cli_runner().invoke(args=["fingerprint-attachments"])
    assert result.exit_code == 1 and f"REFUSED {where}" in result.output
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, world.certificate.id).attachment_sha256 is None


# --- signed heads ---------------------------------------------------------------------------------


def _rehash_tail(from_id: int) -> None:
    """What an administrator with the app's code but not its key can do: rewrite, re-hash, move the head."""
    records = db.session.scalars(select(AuditRecord).where(AuditRecord.id >= from_id).order_by(AuditRecord.id)).all()
    prev = db.session.get(AuditRecord, from_id - 1).record_hash if from_id > 1 else audit.GENESIS_HASH
    rows = []
    for record in records:
        record.prev_hash = prev
        rows.append((record.id, prev, audit.record_hash(record), record.payload))
        prev = rows[-1][2]
    db.session.rollback()
    for record_id, *_ in rows:
        # record_hash is unique: park each row on a placeholder first so no two rows ever share one
        run_sql("UPDATE audit_record SET record_hash = :h WHERE id = :id", h=f"{record_id:064d}", id=record_id)
    for record_id, prev_hash, new_hash, payload in rows:
        run_sql(
            "UPDATE audit_record SET prev_hash = :p, record_hash = :h, payload = :j WHERE id = :id",
            p=prev_hash,
            h=new_hash,
            j=payload,
            id=record_id,
        )
    run_sql("UPDATE audit_head SET last_hash = :h WHERE id = 1", h=prev)


def _forge_level_in_log_and_row(world) -> int:
    """Change the sign-off's level in its row and in its audit record's payload, then re-hash the chain from there."""
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "signoff.signed"))
    payload = json.loads(record.payload)
    payload["level"] = "4"
    run_sql("UPDATE audit_record SET payload = :p WHERE id = :id", p=audit.canonical_json(payload), id=record.id)
    run_sql("UPDATE sign_off SET supervision_level = '4' WHERE id = :id", id=world.signoff.id)
    _rehash_tail(record.id)
    return record.id


def test_rehashed_chain_passes_without_a_signed_head(app, world):
    """The attack the signed heads exist for: without one, a rewritten and re-hashed chain looks whole."""
    _forge_level_in_log_and_row(world)
    assert audit.verify_chain().ok and verify_all().ok


def test_rehashed_chain_fails_against_an_earlier_signed_head(app, world):
    head = audit.take_checkpoint("command")
    record_id = _forge_level_in_log_and_row(world)
    assert audit.verify_chain().ok  # the chain alone is consistent again
    fails_naming(
        app,
        f"[chain] audit record {head.sequence}: chain rewritten after the head signed at "
        f"{head.signed_at:%Y-%m-%d %H:%M:%S} UTC (sequence {head.sequence})",
    )
    assert record_id <= head.sequence


def test_signed_heads_are_taken_every_n_records(app, world):
    app.config["AUDIT_CHECKPOINT_EVERY"] = 3
    try:
        for n in range(6):
            audit.append("test.event", subject_type="test", subject_id=n, payload={"n": n})
        db.session.commit()
    finally:
        app.config.pop("AUDIT_CHECKPOINT_EVERY")
    sequences = db.session.scalars(select(AuditCheckpoint.sequence).where(AuditCheckpoint.reason == "interval")).all()
    assert len(sequences) == 2 and all(s % 3 == 0 for s in sequences)
    lines = audit.checkpoint_file().read_text().splitlines()
    assert sorted(json.loads(line)["sequence"] for line in lines) == sorted(sequences)


def test_interval_head_of_a_rolled_back_transaction_leaves_no_line(app, world):
    app.config["AUDIT_CHECKPOINT_EVERY"] = 1
    try:
        audit.append("test.event", subject_type="test", subject_id=1, payload={})
        db.session.rollback()
    finally:
        app.config.pop("AUDIT_CHECKPOINT_EVERY")
    assert not audit.checkpoint_file().exists() and verify_audit(app)[0] == 0


def test_deleted_checkpoint_rows_are_caught_through_the_file(app, world):
    head = audit.take_checkpoint("command")
    signed = f"{head.signed_at:%Y-%m-%d %H:%M:%S} UTC (sequence {head.sequence})"
    _forge_level_in_log_and_row(world)
    run_sql("DELETE FROM audit_checkpoint")
    fails_naming(
        app,
        f"[checkpoint] {audit.CHECKPOINT_FILE} line 1: the signed head of {signed} is missing from the audit_checkpoint table",
        f"chain rewritten after the head signed at {signed}",
    )


def test_checkpoint_forged_without_the_key_fails(app, world):
    audit.take_checkpoint("command")
    record_id = _forge_level_in_log_and_row(world)
    last = db.session.get(AuditRecord, record_id)
    forger = Ed25519PrivateKey.generate()  # the attacker's own key: the row claims the real key's id
    real = db.session.scalar(select(AuditCheckpoint))
    signed_at, key_id, sequence, last_hash = real.signed_at, real.key_id, last.id, last.record_hash
    run_sql("DELETE FROM audit_checkpoint")
    audit.checkpoint_file().unlink()
    signature = base64.b64encode(forger.sign(audit._signed_text(sequence, last_hash, signed_at, key_id, "command"))).decode()
    db.session.add(
        AuditCheckpoint(
            sequence=sequence, last_hash=last_hash, signed_at=signed_at, key_id=key_id, signature=signature, reason="command"
        )
    )
    db.session.commit()
    output = fails_naming(app, "[checkpoint] checkpoint", f"its signature does not verify with key {key_id}")
    assert "forged or altered" in output


def test_verifying_with_a_public_key_only(app, world, monkeypatch):
    key = Ed25519PrivateKey.generate()
    monkeypatch.setenv("AUDIT_SIGNING_KEY", base64.b64encode(key.private_bytes_raw()).decode())
    audit.take_checkpoint("command")
    monkeypatch.delenv("AUDIT_SIGNING_KEY")
    code, output = verify_audit(app)  # the instance key is another key: this checkpoint's key is unknown to it
    assert code == 1 and "which this machine does not hold" in output
    monkeypatch.setitem(app.config, "AUDIT_VERIFY_KEYS", [audit.public_key_text(key.public_key())])
    assert verify_audit(app)[0] == 0


def test_unreadable_key_is_a_clear_error(app, world, monkeypatch):
    monkeypatch.setenv("AUDIT_SIGNING_KEY", "not base64!")
    result = app.test_cli_runner().invoke(args=["audit-checkpoint"])
    assert result.exit_code == 1 and "AUDIT_SIGNING_KEY is not base64 text" in result.output


def test_audit_checkpoint_command_and_key_file(app, world):
    result = app.test_cli_runner().invoke(args=["audit-checkpoint"])
    assert result.exit_code == 0 and "Signed the head: sequence" in result.output
    assert audit.key_file().stat().st_mode & 0o777 == 0o600
    assert len(audit.checkpoint_file().read_text().splitlines()) == 1


def test_many_problems_are_all_counted_and_the_first_listed(app, world):
    run_sql("UPDATE sign_off SET supervision_level = '4', feedback = 'x', signer_id = NULL WHERE id = :id", id=world.signoff.id)
    run_sql("UPDATE arcp_outcome SET outcome = '6'")
    report = verify_all(limit=2)
    assert not report.ok and report.problem_count == 4 and len(report.problems) == 2


def test_every_export_signs_the_head_and_the_portfolio_prints_it(app, client, login, world):
    from tests.support.pdftext import flat_text

    login(world.people.owner)
    response = client.get("/logbook/portfolio.pdf")
    assert response.status_code == 200
    head = db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.reason == "export"))
    text_of_pdf = flat_text(response.data)
    assert head.last_hash in text_of_pdf and head.key_id in text_of_pdf
    assert f"sequence {head.sequence}" in text_of_pdf
    assert client.get("/logbook/export.csv").status_code == 200
    client.post("/logout")
    login(world.people.director)
    assert client.get("/cohort/export.csv").status_code == 200 and client.get("/cohort/export.xlsx").status_code == 200
    assert db.session.query(AuditCheckpoint).filter_by(reason="export").count() == 4
    assert len(audit.checkpoint_file().read_text().splitlines()) == 4 and verify_audit(app)[0] == 0


def test_trajectory_weeks_changed_or_made_up(app, world):
    """The dashboard's trajectory reads evidence_week: a count raised, or a row for evidence nobody logged, is named
    with the trainee and the week, as a changed tally is."""
    owner = world.draft.trainee_id
    run_sql("UPDATE evidence_week SET count = count + 5 WHERE trainee_id = :id AND competency_code = ''", id=owner)
    output = fails_naming(app, f"[progress] trainee {owner}, ", "the dashboard's trajectory counts")
    assert "week to " in output and "flask recompute-progress" in output
    app.test_cli_runner().invoke(args=["recompute-progress"])
    assert verify_audit(app)[0] == 0
    run_sql(
        "INSERT INTO evidence_week (trainee_id, stage_level, week_ends_on, evidence_type, supervision_level, status,"
        " competency_code, count) VALUES (:id, 'higher', '2026-01-05', 'reflection', '', 'signed', 'S3_PM_01', 4)",
        id=owner,
    )
    fails_naming(app, f"[progress] trainee {owner}, higher week to 05/01/2026, S3_PM_01 reflection level - signed")
