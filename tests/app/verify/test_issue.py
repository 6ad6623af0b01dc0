"""Issuing a document: a fresh code, the issue and the seal in the audit log, a signed head covering the issue, and
verify-audit catching a stored row that no longer says what the log recorded."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from tests.app.verify.helpers import issue_note
from tests.factories import SupervisorFactory, TraineeFactory
from tests.support.pdftext import flat_text
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.models import AuditCheckpoint, AuditRecord, DocumentExport
from trainee_portal.verify import services


def test_codes_are_random_grouped_and_typed_back_in_any_form():
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 12 and code[4] == code[9] == "-"
        assert set(code.replace("-", "")) <= set(services.ALPHABET)
    code = next(iter(codes))
    assert services.normalise_code(code.lower().replace("-", " ")) == code
    assert services.normalise_code(" " + code.replace("-", "") + " ") == code
    for bad in ("", None, "K7QF-2M9X-W", "K7QF-2M9X-WPP", "K7QF-2M9X-W0", "K7QF/2M9X/WP"):
        assert services.normalise_code(bad) is None


def test_issue_records_the_issue_signs_a_head_covering_it_then_seals_the_bytes(app):
    trainee, supervisor = TraineeFactory(name="Zoë Ó Briain"), SupervisorFactory()
    export, data = issue_note(trainee, actor=supervisor, covered={"evidence_entries": 3, "first_day": "2026-01-05"})
    assert export.sha256 == services.sha256_hex(data) and export.size == len(data)
    issued, sealed = db.session.scalars(
        select(AuditRecord).where(AuditRecord.subject_type == "document_export").order_by(AuditRecord.id)
    ).all()
    assert (issued.action, sealed.action) == ("document.issued", "document.sealed")
    assert issued.trainee_id == trainee.id and issued.actor_id == supervisor.id and export.audit_sequence == issued.id
    payload = json.loads(issued.payload)
    assert payload["code"] == export.code and payload["kind"] == "portfolio" and payload["covered"]["evidence_entries"] == 3
    assert json.loads(sealed.payload)["sha256"] == export.sha256
    head = db.session.get(AuditCheckpoint, export.checkpoint_id)
    assert head.sequence == issued.id and head.last_hash == issued.record_hash
    assert audit.checkpoint_verifies(head, audit.verify_keys())
    text = flat_text(data)
    assert export.code in text and f"http://localhost/verify/{export.code}" in text and head.signature in text
    assert verify_all().ok


def test_a_failed_build_leaves_nothing_behind(app):
    trainee = TraineeFactory()

    def build(stamp):
        raise RuntimeError("broken builder")

    with pytest.raises(RuntimeError):
        services.issue(kind="portfolio", trainee_id=trainee.id, actor=None, covered={}, build=build)
    db.session.rollback()
    assert db.session.scalar(select(DocumentExport.id)) is None
    assert db.session.scalar(select(AuditRecord.id).where(AuditRecord.subject_type == "document_export")) is None


def test_an_unknown_kind_is_refused(app):
    with pytest.raises(ValueError):
        services.issue(kind="letter", trainee_id=1, actor=None, covered={}, build=lambda stamp: b"")


@pytest.mark.parametrize(
    "column, value, word",
    [("sha256", "0" * 64, "sha256"), ("code", "AAAA-AAAA-AA", "code"), ("size", 1, "size"), ("kind", "panel_pack", "kind")],
)
def test_verify_audit_reports_a_stored_row_that_differs_from_its_audit_records(app, column, value, word):
    export, _data = issue_note(TraineeFactory())
    db.session.execute(update(DocumentExport).where(DocumentExport.id == export.id).values({column: value}))
    db.session.commit()
    report = verify_all()
    assert not report.ok
    assert any(p.kind == "document" and word in p.detail for p in report.problems), report.problems


def test_verify_audit_reports_a_document_moved_to_another_trainee_or_deleted(app):
    export, _data = issue_note(TraineeFactory())
    other = TraineeFactory()
    db.session.execute(update(DocumentExport).where(DocumentExport.id == export.id).values(trainee_id=other.id))
    db.session.commit()
    report = verify_all()
    assert not report.ok and {p.kind for p in report.problems} == {"document"}
    db.session.execute(DocumentExport.__table__.delete())
    db.session.commit()
    report = verify_all()
    assert not report.ok and any("row is gone" in p.detail for p in report.problems)


def test_verify_audit_reports_a_document_row_added_without_the_log(app):
    trainee = TraineeFactory()
    db.session.add(DocumentExport(code="AAAA-BBBB-CC", kind="portfolio", trainee_id=trainee.id, sha256="0" * 64, size=5))
    db.session.commit()
    report = verify_all()
    assert any(p.kind == "document" and "no audit record" in p.detail for p in report.problems)


def test_the_verify_audit_command_fails_on_a_swapped_hash(app):
    from tests.app.audit.helpers import verify_audit

    export, data = issue_note(TraineeFactory())
    assert verify_audit(app)[0] == 0
    db.session.execute(update(DocumentExport).where(DocumentExport.id == export.id).values(sha256=services.sha256_hex(b"x")))
    db.session.commit()
    code, output = verify_audit(app)
    assert code == 1 and f"code {export.code}" in output and "sha256" in output
