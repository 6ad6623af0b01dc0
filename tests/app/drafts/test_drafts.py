"""Form drafts at /drafts: saved as the user types, offered back on the form (restore by a plain link, discard by a
POST), private to their author, refused when the key or payload is malformed or too large, gone once the real form
is saved, purged when old; a script whose session ended hears 401 JSON; the keep-alive restarts the idle time."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.app.logbook.helpers import form_data
from tests.conftest import TEST_PASSWORD, make_test_config
from tests.factories import (
    AdminFactory,
    EvidenceFactory,
    SignOffFactory,
    SignOffRequestFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    first_code,
)
from trainee_portal import create_app
from trainee_portal.audit import verify_chain
from trainee_portal.extensions import db, limiter
from trainee_portal.models import AuditRecord, FormDraft
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.hardening import LAST_SEEN_AT

JSON = {"Accept": "application/json"}


def save(client, key: str, fields, **headers):
    return client.post(
        f"/drafts/{key}", data=json.dumps({"fields": fields}), content_type="application/json", headers={**JSON, **headers}
    )


def drafts() -> list[FormDraft]:
    db.session.expire_all()
    return list(db.session.scalars(select(FormDraft).order_by(FormDraft.id)))


@pytest.fixture
def trainee(app):
    return TraineeFactory(name="Dr Draft Writer")


# --- save, offer, restore, discard ---------------------------------------------------------------


def test_a_draft_is_kept_offered_on_the_form_and_restored_by_a_plain_link(client, login, trainee):
    login(trainee)
    page = client.get("/logbook/new").data.decode()
    assert 'data-draft-key="evidence-new"' in page and 'data-draft-url="/drafts/evidence-new"' in page
    assert "You have unsaved changes" not in page
    fields = {"title": "Half-written clinic", "reflection": "What I learned from the consultation", "competencies": ["S3_PM_01"]}
    response = save(client, "evidence-new", {**fields, "csrf_token": "the-token", "row_version": "7", "attachment": "x.pdf"})
    assert response.status_code == 200 and response.is_json and response.json["saved_at"].endswith("Z")
    [row] = drafts()
    stored = json.loads(row.payload)
    assert row.user_id == trainee.id and row.form_key == "evidence-new"
    assert "csrf_token" not in stored and "row_version" not in stored and stored["reflection"] == fields["reflection"]

    offered = client.get("/logbook/new?type=reflection").data.decode()
    assert "You have unsaved changes from" in offered and "What I learned" not in offered  # offered, not yet filled
    link = re.search(r'href="([^"]*restore=1[^"]*)"', offered).group(1).replace("&amp;", "&")
    assert link.startswith("/logbook/new?") and "type=reflection" in link
    restored = client.get(link).data.decode()
    assert "What I learned from the consultation</textarea>" in restored
    assert 'value="Half-written clinic"' in restored and 'value="S3_PM_01" checked' in restored.replace('checked=""', "checked")
    assert "are in the form below" in restored


def test_saving_the_real_form_deletes_its_draft_and_nothing_else(client, login, trainee):
    login(trainee)
    entry = EvidenceFactory(trainee=trainee, title="An entry")
    assert save(client, "evidence-new", {"title": "new one"}).status_code == 200
    assert save(client, f"evidence-edit-{entry.id}", {"notes": "edited notes"}).status_code == 200
    response = client.post("/logbook/new", data=form_data())
    assert response.status_code == 302
    assert [d.form_key for d in drafts()] == [f"evidence-edit-{entry.id}"]
    response = client.post(f"/logbook/{entry.id}/edit", data=form_data(row_version=str(entry.row_version)))
    assert response.status_code == 302, response.data.decode()[:500]
    assert drafts() == []


def test_a_refused_save_keeps_the_draft_and_a_patient_identifier_is_refused_as_on_any_form(client, login, trainee):
    login(trainee)
    text = "Reviewed the patient, hospital no. A123456, after the block"
    assert save(client, "evidence-new", {"notes": text}).status_code == 200  # private to its author until saved
    response = client.post("/logbook/new", data=form_data(notes=text))
    assert response.status_code == 400 and "looks like a hospital number" in response.data.decode()
    assert 'data-draft-key="evidence-new"' in response.data.decode()  # the form sent back keeps saving its draft
    assert len(drafts()) == 1


def test_discard_deletes_the_draft_audited_without_its_text(client, login, trainee):
    login(trainee)
    save(client, "evidence-new", {"reflection": "Something private"})
    response = client.post("/drafts/evidence-new/discard", data={"next": "/logbook/new"})
    assert response.status_code == 302 and response.headers["Location"] == "/logbook/new"
    assert drafts() == []
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "form_draft.discarded"))
    assert record.actor_id == trainee.id and "evidence-new" in record.payload and "Something private" not in record.payload
    assert "You have unsaved changes" not in client.get("/logbook/new").data.decode()
    again = client.post("/drafts/evidence-new/discard", data={"next": "https://evil.example/"})
    assert again.status_code == 302 and again.headers["Location"] == "/"  # never off the site
    save(client, "evidence-new", {"reflection": "x"})
    sneaky = client.post("/drafts/evidence-new/discard", data={"next": "/\\evil.example/"})  # browsers read //evil.example
    assert sneaky.status_code == 302 and sneaky.headers["Location"] == "/"
    assert verify_chain().ok


def test_a_draft_older_than_the_record_is_not_offered(client, login, trainee):
    login(trainee)
    entry = EvidenceFactory(trainee=trainee)
    save(client, f"evidence-edit-{entry.id}", {"notes": "typed on the ward computer"})
    assert "You have unsaved changes" in client.get(f"/logbook/{entry.id}/edit").data.decode()
    row = drafts()[0]
    row.updated_at = entry.updated_at - timedelta(minutes=5)  # the entry was saved from another device since
    db.session.commit()
    page = client.get(f"/logbook/{entry.id}/edit?restore=1").data.decode()
    assert "You have unsaved changes" not in page and "typed on the ward computer" not in page


# --- privacy and tampering ---------------------------------------------------------------------


def test_a_draft_rewritten_in_the_database_fills_only_visible_fields_and_escapes_its_text(client, login, trainee):
    """A hostile administrator who edits a stored draft cannot move the form's version or the page's markup."""
    entry = EvidenceFactory(trainee=trainee)
    login(trainee)
    save(client, f"evidence-edit-{entry.id}", {"notes": "typed"})
    row = drafts()[0]
    row.payload = json.dumps({"notes": "<script>alert(1)</script>", "row_version": "999", "csrf_token": "planted"})
    db.session.commit()
    page = client.get(f"/logbook/{entry.id}/edit?restore=1").data.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page and "<script>alert(1)" not in page
    assert f'name="row_version" type="hidden" value="{entry.row_version}"' in page and 'value="999"' not in page
    assert 'value="planted"' not in page
    row.payload = "{not json"
    db.session.commit()
    broken = client.get(f"/logbook/{entry.id}/edit?restore=1")
    assert broken.status_code == 200 and "are in the form below" in broken.data.decode()  # an empty draft, not a 500


def test_a_draft_is_its_authors_alone(client, login, trainee):
    entry = EvidenceFactory(trainee=trainee)
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    other = TraineeFactory()
    login(trainee)
    save(client, f"evidence-edit-{entry.id}", {"reflection": "Only mine"})
    save(client, "evidence-new", {"reflection": "Also only mine"})
    client.post("/logout")
    for someone in (other, supervisor):
        login(someone)
        assert save(client, f"evidence-edit-{entry.id}", {"reflection": "overwritten"}).status_code == 404
        assert client.post(f"/drafts/evidence-edit-{entry.id}/discard", data={}).status_code == 404
        assert client.get(f"/logbook/{entry.id}/edit?restore=1").status_code in (403, 404)
        client.post("/logout")
    login(other)
    page = client.get("/logbook/new?restore=1").data.decode()
    assert "Also only mine" not in page and "You have unsaved changes" not in page
    assert [(d.user_id, json.loads(d.payload)["reflection"]) for d in drafts()] == [
        (trainee.id, "Only mine"),
        (trainee.id, "Also only mine"),
    ]


@pytest.mark.parametrize(
    "key",
    [
        "evidence-new-1",
        "evidence-edit-0",
        "evidence-edit-abc",
        "evidence-edit-01",
        "signoff-",
        "halo-ask-Stage 1",
        "x" * 65,
        "EVIDENCE-NEW",
    ],
)
def test_a_key_of_no_known_shape_is_refused_400(client, login, trainee, key):
    login(trainee)
    response = save(client, key, {"notes": "x"})
    assert response.status_code == 400 and response.is_json
    assert drafts() == []


def test_keys_naming_what_the_user_may_not_fill_in_are_404_alike(client, login, trainee):
    """The trainee learns nothing from a key: a sign-off decision on their own evidence, a signed entry, one that does
    not exist and one out of range all answer the same 404."""
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    pending = EvidenceFactory(trainee=trainee, status="submitted")
    request = SignOffRequestFactory(evidence=pending, supervisor=supervisor)
    signed = EvidenceFactory(trainee=trainee, title="Signed")
    SignOffFactory(evidence=signed, signer=supervisor)
    login(trainee)
    for key in (
        f"signoff-{request.id}",
        f"evidence-edit-{signed.id}",
        "evidence-edit-999999",
        "signoff-9999999999",
        "halo-decide-1",
    ):
        response = save(client, key, {"feedback": "Signed, well done"})
        assert response.status_code == 404 and response.is_json, key
    assert drafts() == []


@pytest.mark.parametrize(
    "fields,status",
    [
        ({"reflection": "x" * 20001}, 413),
        ({f"field{i}": "x" for i in range(61)}, 413),
        ({f"f{i}": "é" * 19000 for i in range(3)}, 413),  # each under the field limit, the whole over 64 KB
        ({"competencies": ["S3_PM_01"] * 201}, 413),
        ({"notes": 5}, 400),
        ({"notes": {"nested": "x"}}, 400),
        ({"bad name!": "x"}, 400),
        (["not", "fields"], 400),
    ],
)
def test_payloads_too_large_or_malformed_are_refused_clearly(client, login, trainee, fields, status):
    login(trainee)
    response = save(client, "evidence-new", fields)
    assert response.status_code == status and response.is_json and response.json["detail"]
    assert drafts() == []


def test_a_body_that_is_not_json_or_too_large_for_any_form_is_refused(client, login, trainee):
    login(trainee)
    form_post = client.post("/drafts/evidence-new", data={"fields": "x"}, headers=JSON)
    assert form_post.status_code == 400 and form_post.is_json
    broken = client.post("/drafts/evidence-new", data="{not json", content_type="application/json", headers=JSON)
    assert broken.status_code == 400 and broken.is_json
    huge = client.post("/drafts/evidence-new", data="x" * 600_000, content_type="application/json", headers=JSON)
    assert huge.status_code == 413 and huge.is_json
    assert drafts() == []


def test_a_save_needs_the_csrf_token_in_its_header(app, client, login, trainee, monkeypatch):
    login(trainee)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/logbook/new").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    token = next(t for t in token.groups() if t)
    refused = save(client, "evidence-new", {"notes": "x"})
    assert refused.status_code == 400 and "security token" in refused.json["error"]
    forged = save(client, "evidence-new", {"notes": "x"}, **{"X-CSRFToken": "forged"})
    assert forged.status_code == 400
    assert drafts() == []
    assert save(client, "evidence-new", {"notes": "x"}, **{"X-CSRFToken": token}).status_code == 200
    refused_discard = client.post("/drafts/evidence-new/discard", data={})
    assert refused_discard.status_code == 400 and len(drafts()) == 1


# --- sign-off and HALO forms -------------------------------------------------------------------


def test_a_supervisors_feedback_draft_never_carries_the_content_hash_forward(client, login, trainee):
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee, status="submitted")
    request = SignOffRequestFactory(evidence=entry, supervisor=supervisor)
    login(supervisor)
    key = f"signoff-{request.id}"
    response = save(client, key, {"decision": "sign", "feedback": "Well structured consultation", "seen_hash": "forged"})
    assert response.status_code == 200
    assert "seen_hash" not in json.loads(drafts()[0].payload)
    page = client.get(f"/signoff/requests/{request.id}?restore=1").data.decode()
    assert "Well structured consultation</textarea>" in page
    assert f'value="{entry.compute_content_hash()}"' in page and 'value="forged"' not in page
    done = client.post(
        f"/signoff/requests/{request.id}/decide",
        data={
            "decision": "sign",
            "supervision_level": "2b",
            "feedback": "Well structured",
            "seen_hash": entry.compute_content_hash(),
        },
    )
    assert done.status_code == 302 and drafts() == []


def test_halo_request_and_decision_forms_keep_drafts_for_their_own_people(client, login, trainee):
    EvidenceFactory(trainee=trainee, stage_level="basic", codes=(first_code("2021", "basic"),))
    login(trainee)
    assert save(client, "halo-ask-stage-1", {"statement": "My Stage 1 evidence so far"}).status_code == 200
    page = client.get("/halo/ask/stage-1").data.decode()
    assert 'data-draft-key="halo-ask-stage-1"' in page and "You have unsaved changes" in page
    assert save(client, "halo-decide-1", {"comment": "x"}).status_code == 404
    for stage in ("stage-9", "aaaa", "stage-3-extra"):  # no stage of theirs: no pile of drafts under made-up keys
        assert save(client, f"halo-ask-{stage}", {"statement": "x"}).status_code == 404
    assert [d.form_key for d in drafts()] == ["halo-ask-stage-1"]


def test_draft_saves_are_limited_per_person_not_per_address(database_url, instance_dir, app):
    first, second = TraineeFactory(), TraineeFactory()
    limited = create_app(
        make_test_config(database_url, instance_dir) | {"RATELIMIT_ENABLED": True, "DRAFT_SAVE_RATE_LIMIT": "3 per minute"}
    )
    try:
        clients = []
        for person in (first, second):
            client = limited.test_client()
            assert client.post("/login", data={"email": person.email, "password": TEST_PASSWORD}).status_code == 302
            clients.append(client)
        statuses = [save(clients[0], "evidence-new", {"notes": f"v{i}"}).status_code for i in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = save(clients[0], "evidence-new", {"notes": "v5"})
        assert refused.status_code == 429 and refused.is_json and "Too many" in refused.json["error"] + refused.json["detail"]
        assert save(clients[1], "evidence-new", {"notes": "other person, same address"}).status_code == 200
    finally:
        limiter.reset()


# --- sessions: 401 for scripts, keep-alive, autosave as activity ----------------------------------


def _idle_for(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session[LAST_SEEN_AT] = int(time.time() - seconds)


def test_a_script_whose_session_ended_hears_401_json_not_the_sign_in_page(client, login, trainee):
    login(trainee)
    _idle_for(client, 61 * 60)
    response = save(client, "evidence-new", {"notes": "typed after the computer slept"})
    assert response.status_code == 401 and response.is_json and response.json["sign_in"] == "/login"
    assert drafts() == []
    anonymous = save(client, "evidence-new", {"notes": "x"})  # the session is gone altogether now
    assert anonymous.status_code == 401 and anonymous.is_json
    assert client.post("/account/keep-alive", headers=JSON).status_code == 401
    page = client.post("/drafts/evidence-new", data={})  # a page's own post still goes to sign in
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_signing_in_again_returns_to_the_form_but_never_off_the_site(client, trainee):
    """The time-out dialog's "Sign in again" names the page to come back to; a backslash path would leave the site."""
    form = {"email": trainee.email, "password": TEST_PASSWORD}
    back = client.post("/login?next=/logbook/new%3Ftype%3Dreflection", data=form)
    assert back.status_code == 302 and back.headers["Location"] == "/logbook/new?type=reflection"
    client.post("/logout")
    away = client.post("/login?next=/%5Cevil.example/", data=form)
    assert away.status_code == 302 and away.headers["Location"] == "/"


def test_the_sign_in_page_itself_is_shown_signed_out_when_the_session_idled(client, login, trainee):
    login(trainee)
    _idle_for(client, 61 * 60)
    page = client.get("/login?next=/logbook/new")
    assert page.status_code == 200 and "signed out after 1 hour without activity" in page.data.decode()
    assert client.get("/logbook/new").headers["Location"].startswith("/login")


def test_keep_alive_and_autosave_restart_the_idle_time(client, login, trainee):
    login(trainee)
    _idle_for(client, 50 * 60)
    response = client.post("/account/keep-alive", headers=JSON)
    assert response.status_code == 200 and response.json["seconds_left"] > 59 * 60
    _idle_for(client, 50 * 60)
    assert save(client, "evidence-new", {"notes": "x"}).json["seconds_left"] > 59 * 60
    with client.session_transaction() as session:
        assert time.time() - session[LAST_SEEN_AT] < 5


def test_the_page_carries_the_time_left_and_the_warning_from_configuration(app, client, login, trainee, monkeypatch):
    login(trainee)
    page = client.get("/logbook/").data.decode()
    assert 'role="dialog" aria-modal="true"' in page and 'data-warn-seconds="120"' in page
    left = int(re.search(r'data-seconds-left="(\d+)"', page).group(1))
    assert 3500 <= left <= 3600
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", timedelta(seconds=40))
    monkeypatch.setitem(app.config, "SESSION_TIMEOUT_WARNING_SECONDS", 30)
    page = client.get("/logbook/").data.decode()
    assert 'data-warn-seconds="20"' in page  # never more than half the idle time
    assert "js/timeout.js" in page and "<script>" not in page
    client.post("/logout")
    assert 'id="app-timeout"' not in client.get("/login").data.decode()


# --- purge ---------------------------------------------------------------------------------------


def test_purge_deletes_drafts_past_the_rule_and_audits_the_count(app, client, login, trainee):
    login(trainee)
    save(client, "evidence-new", {"notes": "old"})
    entry = EvidenceFactory(trainee=trainee)
    save(client, f"evidence-edit-{entry.id}", {"notes": "recent"})
    old, recent = drafts()
    old.updated_at = utcnow() - timedelta(days=31)
    recent.updated_at = utcnow() - timedelta(days=29)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-drafts"])
    assert result.exit_code == 0 and "Purged 1 draft untouched for over 30 days" in result.output
    assert "programme's own suggestion" in result.output
    assert [d.form_key for d in drafts()] == [f"evidence-edit-{entry.id}"]
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "form_draft.purged"))
    assert json.loads(record.payload)["count"] == 1
    assert app.test_cli_runner().invoke(args=["purge-drafts"]).output.startswith("Purged 0 drafts")
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "form_draft.purged")) == 1
    assert verify_chain().ok
    assert app.test_cli_runner().invoke(args=["verify-audit"]).exit_code == 0


def test_an_account_deleted_takes_its_drafts_with_it(client, login, trainee):
    login(trainee)
    save(client, "evidence-new", {"notes": "x"})
    client.post("/logout")
    login(AdminFactory())
    response = client.post(f"/admin/users/{trainee.id}/delete")
    assert response.status_code == 302 and "has been deleted" in client.get(response.headers["Location"]).data.decode()
    assert drafts() == []
