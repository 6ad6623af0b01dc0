"""An entry's life after it is recorded: editing, freezing once signed, new versions, deleting drafts, who sees files."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests import factories as make
from tests.app.logbook.helpers import CLINIC, form_data, post_certificate
from tests.factories import assign, direct
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, EvidenceTally


def _tally(trainee):
    return {
        (t.competency_code, t.evidence_type, t.status): t.count
        for t in db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee.id))
    }


@pytest.mark.parametrize("status", ["draft", "returned", "submitted"])
def test_owner_edits_until_signed_and_progress_follows(client, login, status):
    trainee = make.TraineeFactory()
    entry = make.EvidenceFactory(trainee=trainee, status=status)
    login(trainee)
    form = client.get(f"/logbook/{entry.id}/edit").get_data(as_text=True)
    assert 'value="Pain clinic"' in form and f'value="{CLINIC}" checked' in form
    response = client.post(f"/logbook/{entry.id}/edit", data=form_data(title="Complex pain clinic", competencies=["S3_PM_02"]))
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.title == "Complex pain clinic" and entry.competency_codes == ("S3_PM_02",)
    assert entry.content_hash == entry.compute_content_hash()
    assert CLINIC not in {code for code, _, _ in _tally(trainee)}


def test_edit_refusal_keeps_what_was_typed(client, login):
    trainee = make.TraineeFactory()
    entry = make.EvidenceFactory(trainee=trainee)
    login(trainee)
    response = client.post(f"/logbook/{entry.id}/edit", data=form_data(title="Clinic", notes="hospital no. K1234567 seen"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "hospital no. K1234567 seen" in page and "looks like a hospital number" in page
    db.session.refresh(entry)
    assert entry.title == "Pain clinic"


def test_signed_evidence_is_frozen(client, login):
    trainee, supervisor = make.TraineeFactory(), make.SupervisorFactory()
    entry = make.EvidenceFactory(trainee=trainee)
    make.SignOffFactory(evidence=entry, signer=supervisor)
    login(trainee)
    assert client.get(f"/logbook/{entry.id}/edit").status_code == 403
    refused = client.post(f"/logbook/{entry.id}/edit", data=form_data(title="Typed after it was signed"))
    assert refused.status_code == 409 and "Typed after it was signed" in refused.get_data(as_text=True)
    assert db.session.get(EvidenceEntry, entry.id).title != "Typed after it was signed"
    assert client.post(f"/logbook/{entry.id}/delete").status_code == 403
    page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert "Create a new version to change it" in page and "Signed at supervision level 2B" in page


def test_new_version_copies_into_a_draft_and_visibly_voids_the_signature(client, login):
    trainee, supervisor = make.TraineeFactory(), make.SupervisorFactory()
    entry = make.EvidenceFactory(trainee=trainee)
    signoff = make.SignOffFactory(evidence=entry, signer=supervisor)
    assert _tally(trainee) == {(CLINIC, "logbook.clinic", "signed"): 1}
    login(trainee)
    response = client.post(f"/logbook/{entry.id}/new-version")
    new = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.supersedes_id == entry.id))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/logbook/{new.id}/edit")
    db.session.refresh(entry)
    db.session.refresh(signoff)
    assert (new.version, new.status, new.title, new.competency_codes) == (2, "draft", "Pain clinic", (CLINIC,))
    assert entry.superseded_at is not None and not entry.is_current
    assert signoff.voided_at is not None and "version 2" in signoff.void_reason
    assert _tally(trainee) == {(CLINIC, "logbook.clinic", "draft"): 1}  # the old signed contribution is gone
    actions = [(r.action, json.loads(r.payload)) for r in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))]
    assert actions[0] == ("evidence.new_version", {"supersedes_id": entry.id, "version": 2})
    assert actions[1][0] == "signoff.voided" and actions[1][1]["signoff_id"] == signoff.id
    assert audit.verify_chain().ok
    old_page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert "Replaced by a newer version" in old_page and "Signature void" in old_page
    new_page = client.get(f"/logbook/{new.id}").get_data(as_text=True)
    assert "(earlier version)" in new_page and "Version 1" in new_page
    again = client.post(f"/logbook/{entry.id}/new-version")  # a double click: taken to the newer version, no fork
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/logbook/{new.id}")
    assert db.session.scalar(select(func.count()).select_from(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id)) == 2


def test_only_signed_current_evidence_gets_a_new_version(client, login):
    trainee = make.TraineeFactory()
    entry = make.EvidenceFactory(trainee=trainee)
    login(trainee)
    assert client.post(f"/logbook/{entry.id}/new-version").status_code == 403


def test_owner_deletes_a_draft_after_confirming(client, login, app):
    trainee = make.TraineeFactory()
    login(trainee)
    post_certificate(client)
    entry = db.session.scalar(select(EvidenceEntry))
    from pathlib import Path

    stored = Path(app.config["UPLOAD_DIR"]) / entry.attachment_path
    assert stored.exists()
    assert "Delete the draft" in client.get(f"/logbook/{entry.id}/delete").get_data(as_text=True)
    response = client.post(f"/logbook/{entry.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(EvidenceEntry)) is None and _tally(trainee) == {} and not stored.exists()


def test_drafts_with_a_sign_off_history_are_kept(client, login):
    trainee, supervisor = make.TraineeFactory(), make.SupervisorFactory()
    entry = make.EvidenceFactory(trainee=trainee)
    make.SignOffRequestFactory(evidence=entry, supervisor=supervisor, status="cancelled")
    db.session.commit()
    login(trainee)
    response = client.post(f"/logbook/{entry.id}/delete", follow_redirects=True)
    assert "has a sign-off history" in response.get_data(as_text=True)
    assert db.session.get(EvidenceEntry, entry.id) is not None


@pytest.mark.parametrize("status", ["submitted", "signed", "returned"])
def test_only_drafts_can_be_deleted(client, login, status):
    trainee = make.TraineeFactory()
    entry = make.EvidenceFactory(trainee=trainee, status=status)
    login(trainee)
    assert client.post(f"/logbook/{entry.id}/delete").status_code == 403


def test_nobody_else_edits_or_deletes(client, login):
    owner, other = make.TraineeFactory(), make.TraineeFactory()
    supervisor = make.SupervisorFactory()
    assign(supervisor, owner)
    entry = make.EvidenceFactory(trainee=owner)
    for user in (other, supervisor):
        login(user)
        assert client.post(f"/logbook/{entry.id}/edit", data=form_data()).status_code == 403
        assert client.post(f"/logbook/{entry.id}/delete").status_code == 403
        client.post("/logout")


def test_files_are_served_only_to_those_who_may_see_the_evidence(client, login, app):
    region = make.RegionFactory()
    owner = make.TraineeFactory(profile__region=region)
    login(owner)
    post_certificate(client)
    entry = db.session.scalar(select(EvidenceEntry))
    client.post("/logout")
    supervisor, stranger_supervisor, director, admin, other = (
        make.SupervisorFactory(),
        make.SupervisorFactory(),
        make.DirectorFactory(),
        make.AdminFactory(),
        make.TraineeFactory(),
    )
    assign(supervisor, owner)
    direct(director, region=region)
    for user, expected in ((supervisor, 200), (director, 200), (admin, 200), (stranger_supervisor, 403), (other, 403)):
        login(user)
        assert client.get(f"/logbook/{entry.id}/file").status_code == expected, user.email
        assert client.get(f"/logbook/{entry.id}").status_code == expected
        client.post("/logout")
    assert client.get(f"/logbook/{entry.id}/file").status_code == 302  # anonymous: to sign-in


def test_view_offers_sign_off_request_while_draft_or_returned(client, login, app):
    trainee = make.TraineeFactory()
    draft, submitted = make.EvidenceFactory(trainee=trainee), make.EvidenceFactory(trainee=trainee, status="submitted")
    login(trainee)
    has_signoff = "signoff.request_form" in app.view_functions
    assert ("Request sign-off" in client.get(f"/logbook/{draft.id}").get_data(as_text=True)) == has_signoff
    assert "Request sign-off" not in client.get(f"/logbook/{submitted.id}").get_data(as_text=True)


def test_sign_off_history_lists_requests_and_return_reasons(client, login):
    trainee, supervisor = make.TraineeFactory(), make.SupervisorFactory(name="Dr Ruth Signer")
    entry = make.EvidenceFactory(trainee=trainee, status="returned")
    make.SignOffRequestFactory(
        evidence=entry, supervisor=supervisor, status="returned", return_reason="Add what you would do differently"
    )
    db.session.commit()
    login(trainee)
    page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert "Dr Ruth Signer" in page and "Returned: Add what you would do differently" in page


def test_missing_evidence_is_404(client, login):
    login(make.TraineeFactory())
    assert client.get("/logbook/999999").status_code == 404
    assert client.get("/logbook/999999/file").status_code == 404
