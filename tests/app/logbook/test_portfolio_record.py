"""The portfolio PDF holds the whole record (evidence with guidance and level, who vouches for each signature, stage
sign-offs, HALOs, exams, ARCP outcomes), renders Unicode names, is issued with a verification code into the audit
log, verifies on the public page, and reads each section with one query however many entries there are."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

from sqlalchemy import event, select

from tests.factories import (
    EvidenceFactory,
    ExamAttemptFactory,
    ProcedureFactory,
    SignOffFactory,
    SupervisorFactory,
    TraineeFactory,
)
from tests.support.pdftext import flat_text
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import portfolio
from trainee_portal.models import ArcpOutcome, AuditRecord, DocumentExport, HaloRequest, StageSignOff

NAME = "Zoë Ó Briain – ST6"


def _record(trainee, supervisor, today):
    stage = curricula.curriculum("2021").stages[0]
    procedure = ProcedureFactory(trainee=trainee, title="Caudal epidural")
    SignOffFactory(evidence=procedure, signer=supervisor)
    clinic = EvidenceFactory(trainee=trainee, title="Clinic with an outside assessor", supervision_level="3")
    signature = SignOffFactory(evidence=clinic, signer=supervisor)
    signature.signer_id, signature.assessor_name, signature.assessor_email = None, "Dr Aoife Ní Bhriain", "aoife@example.org"
    signature.assurance, signature.confirmed_by_id, signature.confirmed_at = "confirmed", supervisor.id, datetime(2026, 11, 2)
    db.session.add_all(
        [
            StageSignOff(
                trainee_id=trainee.id,
                curriculum_version="2021",
                stage_key=stage.key,
                stage_level=stage.level,
                signed_by_id=supervisor.id,
                signed_on=today - timedelta(days=30),
                comment="Stage complete.",
            ),
            HaloRequest(
                trainee_id=trainee.id,
                curriculum_version="2021",
                stage_key=stage.key,
                status="signed",
                decided_by_id=supervisor.id,
                decided_at=datetime(2026, 10, 1, 10),
            ),
            ArcpOutcome(
                trainee_id=trainee.id,
                training_year="ST6",
                outcome="1",
                panel_date=today - timedelta(days=10),
                recorded_by_id=supervisor.id,
            ),
        ]
    )
    db.session.commit()
    ExamAttemptFactory(trainee=trainee, result="pass", score=72.5)
    return stage


def test_the_portfolio_holds_the_whole_record_and_verifies(client, login, clock):
    trainee, supervisor = TraineeFactory(name=NAME), SupervisorFactory(name="Dr Siân Jones")
    stage = _record(trainee, supervisor, clock.today())
    login(trainee)
    response = client.get("/logbook/portfolio.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    export = db.session.scalar(select(DocumentExport))
    assert export.code in response.headers["Content-Disposition"] and export.kind == "portfolio"
    text = flat_text(response.data)
    assert f"Training portfolio: {NAME}" in text
    for section in ("Signed evidence", "Stage sign-offs", "HALO requests", "Exam attempts", "ARCP outcomes"):
        assert section in text
    assert "Ultrasound guidance" in text and "Caudal epidural" in text
    assert "Signed by Dr Siân Jones, assigned supervisor" in text
    assert "outside assessor Dr Aoife Ní Bhriain" in text and "confirmed by Dr Siân Jones (educational supervisor)" in text
    assert stage.name in text and "Stage complete." in text
    assert "Signed" in text and "Pass" in text and "72.5" in text and "1: Satisfactory progress" in text
    assert f"Verification code: {export.code}" in text and f"http://localhost/verify/{export.code}" in text
    covered = json.loads(export.covered)
    assert covered["evidence_entries"] == 2 and covered["signatures"] == 2 and covered["stage_signoffs"] == 1
    assert covered["halo_requests"] == covered["exam_attempts"] == covered["arcp_outcomes"] == 1
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.subject_type == "document_export", AuditRecord.subject_id == export.id)
    ).all()
    assert actions == ["document.issued", "document.sealed"]
    client.post("/logout")
    check = client.post(
        f"/verify/{export.code}", data={"file": (io.BytesIO(response.data), "portfolio.pdf")}, content_type="multipart/form-data"
    )
    assert "This is the document issued on" in check.get_data(as_text=True)


def test_each_section_is_one_query_however_many_entries(app, clock):
    small, large, supervisor = TraineeFactory(), TraineeFactory(), SupervisorFactory()
    _record(small, supervisor, clock.today())
    _record(large, supervisor, clock.today())
    for number in range(6):
        SignOffFactory(evidence=ProcedureFactory(trainee=large, title=f"Block {number}"), signer=supervisor)
    curriculum = curricula.curriculum("2021")

    def queries_for(trainee) -> int:
        db.session.expire_all()
        profile = trainee.trainee_profile
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            record = portfolio.gather(profile, curriculum)
            portfolio.build(record, _stamp())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    assert queries_for(large) == queries_for(small) < 20


def _stamp():
    from types import SimpleNamespace

    from trainee_portal.platform.pdf import Stamp

    head = SimpleNamespace(sequence=1, last_hash="0" * 64, key_id="k", signature="s", signed_at=datetime(2026, 12, 1))
    return Stamp("2222-3333-44", "http://localhost/verify/2222-3333-44", datetime(2026, 12, 1), head, 1)
