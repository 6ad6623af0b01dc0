"""verify-audit: the chain and every live signature; rows altered directly in the database are named. The audit page.

Every other tamper kind (sign-off columns, voids, deletions, status, stage sign-offs, exams, ARCP, files, signed
heads) is in test_audit_tamper.py."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.app.signoff.helpers import ROLES, cast, sign_via_app, user_for
from tests.factories import DopsFactory
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.logbook import services as evidence_service
from trainee_portal.models import AuditRecord, EvidenceEntry


def _signed(client, login, people, title="Signed block"):
    entry = DopsFactory(trainee=people.owner, title=title)
    return entry, sign_via_app(client, login, people, entry, feedback=None)


def _verify(app):
    return app.test_cli_runner().invoke(args=["verify-audit"])


def test_verify_audit_passes_on_an_untouched_database(client, login, app):
    people = cast()
    _signed(client, login, people)
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "Audit OK" in result.output and "audit records: 2" in result.output and "sign-offs: 1" in result.output


def test_signed_evidence_altered_in_the_database_is_detected(client, login, app):
    people = cast()
    _signed(client, login, people, "First")
    entry, signoff = _signed(client, login, people, "Second")
    db.session.execute(text("UPDATE evidence_entry SET notes = 'rewritten later' WHERE id = :id"), {"id": entry.id})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"sign-off {signoff.id} (evidence {entry.id}): the evidence's content no longer matches" in result.output
    assert "changed after signing" in result.output


def test_claimed_competencies_altered_in_the_database_are_detected(client, login, app):
    people = cast()
    entry, signoff = _signed(client, login, people)
    db.session.execute(
        text("UPDATE evidence_competency SET competency_code = 'PM_OTHER' WHERE evidence_id = :id"), {"id": entry.id}
    )
    db.session.commit()
    report = verify_all()
    assert not report.ok and [p.where for p in report.problems if p.kind != "progress"] == [
        f"sign-off {signoff.id} (evidence {entry.id})"
    ]
    # the progress summary still counts the competency the evidence claimed when it was written
    assert {p.kind for p in report.problems} == {"signoff", "progress"}


def test_signoff_row_rehashed_to_match_altered_evidence_is_detected_by_its_audit_record(client, login, app):
    people = cast()
    entry, signoff = _signed(client, login, people)
    db.session.execute(text("UPDATE evidence_entry SET supervision_level = '4' WHERE id = :id"), {"id": entry.id})
    db.session.commit()
    db.session.expire_all()
    forged = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    db.session.execute(
        text("UPDATE sign_off SET content_hash = :h, supervision_level = '4' WHERE id = :id"), {"h": forged, "id": signoff.id}
    )
    db.session.execute(text("UPDATE evidence_entry SET content_hash = :h WHERE id = :id"), {"h": forged, "id": entry.id})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1 and f"sign-off {signoff.id} (evidence {entry.id}): content_hash is" in result.output
    assert "level is '4' but audit record" in result.output


def test_audit_payload_rewritten_to_match_is_detected_by_the_chain(client, login, app):
    people = cast()
    entry, signoff = _signed(client, login, people)
    record = db.session.query(AuditRecord).filter_by(action="signoff.signed").one()
    payload = json.loads(record.payload)
    payload["content_hash"] = "0" * 64
    db.session.execute(text("UPDATE audit_record SET payload = :p WHERE id = :id"), {"p": json.dumps(payload), "id": record.id})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"[chain] audit record {record.id}: its content does not match its hash" in result.output


def test_signed_evidence_quietly_set_back_to_draft_is_detected(client, login, app):
    people = cast()
    entry, _ = _signed(client, login, people)
    db.session.execute(text("UPDATE evidence_entry SET status = 'draft' WHERE id = :id"), {"id": entry.id})
    db.session.commit()
    assert "signature was never voided" in _verify(app).output


def test_signatures_voided_by_a_new_version_are_not_checked_against_the_new_content(client, login, app):
    people = cast()
    entry, signoff = _signed(client, login, people)
    newer = evidence_service.new_version(people.owner, db.session.get(EvidenceEntry, entry.id))
    db.session.commit()
    db.session.execute(text("UPDATE evidence_entry SET notes = 'new version text' WHERE id = :id"), {"id": newer.id})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 0, result.output


AUDIT_PAGE = {
    "owner": 403,
    "other_trainee": 403,
    "supervisor": 403,
    "unassigned_supervisor": 403,
    "ended_supervisor": 403,
    "director": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_audit_page_is_for_directors_and_admins(client, login, role):
    people = cast()
    _signed(client, login, people)
    user = user_for(people, role)
    if user is None:
        assert client.get(f"/signoff/audit/{people.owner.id}").status_code == 302
        return
    login(user)
    response = client.get(f"/signoff/audit/{people.owner.id}")
    assert response.status_code == AUDIT_PAGE[role]
    if response.status_code == 200:
        page = response.data.decode()
        assert "signoff.requested" in page and "signoff.signed" in page and "Verifies" in page


def test_audit_page_marks_an_altered_record(client, login):
    people = cast()
    _signed(client, login, people)
    db.session.execute(text("UPDATE audit_record SET actor_label = 'someone else' WHERE action = 'signoff.signed'"))
    db.session.commit()
    login(people.director)
    assert "Altered" in client.get(f"/signoff/audit/{people.owner.id}").data.decode()
