"""The hash-chained audit log: appends verify, and any edit, deletion or truncation is named."""

from __future__ import annotations

from sqlalchemy import delete, update

from tests.factories import SupervisorFactory
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord


def _append(n, actor):
    for i in range(n):
        audit.append(
            "signoff.signed", actor=actor, trainee_id=None, subject_type="evidence", subject_id=i, payload={"level": "2b", "n": i}
        )
    db.session.commit()


def test_empty_and_appended_chains_verify(app):
    assert audit.verify_chain().ok
    _append(5, SupervisorFactory())
    report = audit.verify_chain()
    assert report.ok and report.checked == 5
    ids = [r.id for r in db.session.query(AuditRecord).order_by(AuditRecord.id)]
    assert ids == [1, 2, 3, 4, 5]


def test_edited_record_is_named(app):
    _append(4, SupervisorFactory())
    db.session.execute(update(AuditRecord).where(AuditRecord.id == 3).values(payload='{"level":"4"}'))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_id == 3 and "changed" in report.reason


def test_deleted_record_is_detected(app):
    _append(4, SupervisorFactory())
    db.session.execute(delete(AuditRecord).where(AuditRecord.id == 2))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_id == 3


def test_truncated_tail_is_detected(app):
    _append(4, SupervisorFactory())
    db.session.execute(delete(AuditRecord).where(AuditRecord.id == 4))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and "end of the chain" in report.reason
