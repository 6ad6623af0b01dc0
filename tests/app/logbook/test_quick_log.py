"""Logging quickly without scripts: the kind first (a link or "Show the details for this type"), only that kind's
details shown and kept, defaults from the last entry of the same kind said on the page, the supervision level required
where the label says so, and "Save and send for sign-off" in one step to the one supervisor, never to anyone else."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tests.app.logbook.helpers import CLINIC, PDF_BYTES, PROCEDURES, form_data
from tests.factories import EvidenceFactory, SupervisorFactory, TraineeFactory, assign
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, OutboxMessage, SignOffRequest

DETAILS = ("setting", "hospital", "supervision_level", "technique", "guidance", "notes", "reflection", "attachment")


class _Shown(HTMLParser):
    """Which detail fields a page shows: those whose .app-detail wrapper has no hidden attribute."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # for each open div: None if not a detail, else whether hidden
        self.shown: dict[str, bool] = {}
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div":
            detail = "app-detail" in (attrs.get("class") or "").split()
            self.stack.append(("hidden" in attrs) if detail else None)
        if attrs.get("id") in DETAILS and tag in ("input", "select", "textarea"):
            self.shown[attrs["id"]] = not any(hidden for hidden in self.stack if hidden is not None)
        if tag == "label" and attrs.get("for") in DETAILS:
            self._label_for = attrs["for"]
            self.labels[self._label_for] = ""

    def handle_endtag(self, tag):
        if tag == "div" and self.stack:
            self.stack.pop()
        if tag == "label":
            self._label_for = None

    def handle_data(self, data):
        if self._label_for:
            self.labels[self._label_for] += data


def _read(page: str) -> _Shown:
    parser = _Shown()
    parser.feed(page)
    return parser


def _shown(page: str) -> set[str]:
    return {name for name, shown in _read(page).shown.items() if shown}


def _label(page: str, name: str) -> str:
    return " ".join(_read(page).labels[name].split())


def _recipients(page: str) -> dict[str, bool]:
    """The sign-off recipients offered: value -> checked."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'name="signoff_to"' in tag:
            found[re.search(r'value="([^"]*)"', tag).group(1)] = " checked" in tag
    return found


def _post(client, data, url="/logbook/new"):
    return client.post(url, data=data, content_type="multipart/form-data")


def _entries(trainee):
    return db.session.scalars(select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id)).all()


def _requests(entry):
    return db.session.scalars(select(SignOffRequest).where(SignOffRequest.evidence_id == entry.id)).all()


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("logbook.clinic", {"setting", "hospital", "supervision_level", "notes"}),
        ("logbook.procedure", {"setting", "hospital", "supervision_level", "technique", "guidance", "notes"}),
        ("wba.dops", {"setting", "hospital", "supervision_level", "technique", "guidance", "notes", "reflection", "attachment"}),
        ("reflection", {"reflection"}),
        ("certificate", {"notes", "attachment"}),
        ("report.essr", {"reflection", "attachment"}),
    ],
)
def test_the_form_shows_only_the_chosen_kinds_details(client, login, kind, expected):
    login(TraineeFactory())
    page = client.get(f"/logbook/new?kind={kind}").get_data(as_text=True)
    assert f'<option value="{kind}" selected' in page
    assert _shown(page) == expected


def test_without_a_kind_no_detail_is_shown_and_the_kinds_are_offered_as_links(client, login):
    login(TraineeFactory())
    page = client.get("/logbook/new").get_data(as_text=True)
    assert _shown(page) == set()
    assert 'href="/logbook/new?kind=logbook.clinic"' in page and "Show the details for this type" in page


@pytest.mark.parametrize(("query", "pointed"), [("", True), ("?kind=wba.msf", True), ("?kind=logbook.clinic", False)])
def test_the_pointer_to_msf_rounds_shows_only_before_a_kind_is_chosen_or_for_an_msf(client, login, query, pointed):
    """On a phone a clinic form goes straight to its fields: the note about MSF rounds is for an MSF or no kind yet."""
    login(TraineeFactory())
    page = client.get(f"/logbook/new{query}").get_data(as_text=True)
    assert ("Multi-source feedback with several raters is run from" in page) is pointed


def test_labels_say_optional_exactly_where_the_kind_does_not_need_the_field(client, login):
    login(TraineeFactory())
    clinic = client.get("/logbook/new?kind=logbook.clinic").get_data(as_text=True)
    assert _label(clinic, "supervision_level") == "Supervision level"
    assert _label(clinic, "notes") == "Notes (optional)" and _label(clinic, "setting") == "Setting (optional)"
    reflection = client.get("/logbook/new?kind=reflection").get_data(as_text=True)
    assert _label(reflection, "reflection") == "Reflection"
    dops = client.get("/logbook/new?kind=wba.dops").get_data(as_text=True)
    assert _label(dops, "technique") == "Procedure technique" and _label(dops, "reflection") == "Reflection (optional)"
    certificate = client.get("/logbook/new?kind=certificate").get_data(as_text=True)
    assert _label(certificate, "attachment") == "Certificate or supporting file"


def test_a_clinic_without_a_supervision_level_is_refused_as_its_label_says(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(supervision_level=""))
    assert response.status_code == 400 and "Choose the level of supervision" in response.get_data(as_text=True)
    assert _post(client, form_data(evidence_type="logbook.mdt", supervision_level="na")).status_code == 302


def test_show_details_for_another_kind_saves_nothing_and_keeps_everything_typed(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(evidence_type="logbook.procedure", title="Typed before choosing", show="kind"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _entries(trainee) == []
    assert {"technique", "guidance"} <= _shown(page) and "Typed before choosing" in page
    assert "There is a problem" not in page


def test_details_of_another_kind_posted_are_ignored_and_never_stored(client, login, app):
    trainee = TraineeFactory()
    login(trainee)
    data = form_data(
        technique="epidural",
        guidance="ultrasound",
        reflection="Patient DOB 12/03/1956 seen",  # would be refused if it were the clinic's; it is not kept at all
        attachment=(io.BytesIO(PDF_BYTES), "hidden.pdf"),
    )
    assert _post(client, data).status_code == 302
    [entry] = _entries(trainee)
    assert (entry.technique, entry.guidance, entry.reflection) == (None, None, "")
    assert entry.attachment_path is None and entry.hospital == "St Thomas' Hospital"
    assert entry.content_hash == entry.compute_content_hash()


def test_a_reflection_keeps_no_setting_hospital_or_level_sent_with_it(client, login):
    trainee = TraineeFactory()
    login(trainee)
    data = form_data(evidence_type="reflection", reflection="What I learned from the clinic.", supervision_level="4")
    assert _post(client, data).status_code == 302
    [entry] = _entries(trainee)
    assert (entry.setting, entry.hospital, entry.supervision_level, entry.notes) == (None, None, None, "")


def test_a_refused_form_gives_back_the_other_kinds_typing_hidden(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(evidence_type="reflection", reflection="", notes="Typed as a clinic first"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Write your reflection" in page
    assert "Typed as a clinic first" in page and "notes" not in _shown(page)


def test_defaults_come_only_from_the_last_entry_of_the_same_kind(client, login):
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee, evidence_type="logbook.ward_round", setting="ward", hospital="Royal Oldham")
    login(trainee)
    page = client.get("/logbook/new?kind=logbook.clinic").get_data(as_text=True)
    assert "Royal Oldham" not in page and '<option value="ward" selected' not in page and "From your last" not in page
    page = client.get("/logbook/new?kind=logbook.ward_round").get_data(as_text=True)
    assert 'value="Royal Oldham"' in page and "From your last ward round entry" in page


def test_another_trainees_entries_never_give_defaults(client, login):
    other = TraineeFactory()
    EvidenceFactory(trainee=other, evidence_type="logbook.clinic", hospital="Another trainee's hospital")
    login(TraineeFactory())
    assert "Another trainee" not in client.get("/logbook/new?kind=logbook.clinic").get_data(as_text=True)


def test_the_one_supervisor_is_chosen_and_save_and_send_asks_them_in_one_step(client, login, app):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    login(trainee)
    page = client.get("/logbook/new?kind=logbook.clinic").get_data(as_text=True)
    assert _recipients(page) == {str(supervisor.id): True, "assessor": False} and "Save and send for sign-off" in page
    response = _post(client, {**form_data(), "then": "signoff", "signoff_to": str(supervisor.id)})
    [entry] = _entries(trainee)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/logbook/{entry.id}")
    [request] = _requests(entry)
    assert request.supervisor_id == supervisor.id and request.status == "pending" and entry.status == "submitted"
    actions = db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions[-2:] == ["evidence.created", "signoff.requested"] and audit.verify_chain().ok
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_email == supervisor.email)) is not None


def test_the_page_after_save_and_send_links_to_the_pending_request(client, login):
    """The request page is where the trainee withdraws it or hands the device over to sign in person: the evidence page
    the sending leads to links there from its sign-off history."""
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    login(trainee)
    response = _post(client, {**form_data(), "then": "signoff", "signoff_to": str(supervisor.id)})
    [entry] = _entries(trainee)
    [request] = _requests(entry)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<a href="/signoff/requests/{request.id}">Open the request</a>' in page


def test_save_as_draft_sends_nothing_even_with_a_supervisor_chosen(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    login(trainee)
    assert _post(client, {**form_data(), "signoff_to": str(supervisor.id)}).status_code == 302
    [entry] = _entries(trainee)
    assert entry.status == "draft" and _requests(entry) == []


def test_sending_to_someone_not_assigned_asks_nobody_and_leads_to_the_request_page(client, login):
    trainee, supervisor, stranger = TraineeFactory(), SupervisorFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    assign(stranger, TraineeFactory())  # supervises another trainee
    login(trainee)
    for forged in (str(stranger.id), str(trainee.id), "999999", "assessor"):
        response = _post(client, {**form_data(title=f"Forged {forged}"), "then": "signoff", "signoff_to": forged})
        entry = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.title == f"Forged {forged}"))
        assert response.headers["Location"].endswith(f"/signoff/request/{entry.id}")
        assert entry.status == "draft" and _requests(entry) == []


def test_with_two_supervisors_none_is_chosen_and_sending_leads_to_the_request_page(client, login):
    trainee, first, second = TraineeFactory(), SupervisorFactory(), SupervisorFactory()
    assign(first, trainee)
    assign(second, trainee, kind="clinical")
    login(trainee)
    page = client.get("/logbook/new?kind=logbook.clinic").get_data(as_text=True)
    assert _recipients(page) == {str(first.id): False, str(second.id): False, "assessor": False}
    response = _post(client, {**form_data(), "then": "signoff"})
    [entry] = _entries(trainee)
    assert response.headers["Location"].endswith(f"/signoff/request/{entry.id}") and _requests(entry) == []


def test_an_essr_is_offered_and_sent_only_to_the_educational_supervisor(client, login):
    trainee, educational, clinical = TraineeFactory(), SupervisorFactory(), SupervisorFactory()
    assign(educational, trainee)
    assign(clinical, trainee, kind="clinical")
    login(trainee)
    page = client.get("/logbook/new?kind=report.essr").get_data(as_text=True)
    assert _recipients(page) == {str(educational.id): True}
    essr = form_data(evidence_type="report.essr", supervision_level="", reflection="My year in review.")
    response = _post(client, {**essr, "title": "ESSR to clinical", "then": "signoff", "signoff_to": str(clinical.id)})
    entry = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.title == "ESSR to clinical"))
    assert response.headers["Location"].endswith(f"/signoff/request/{entry.id}") and _requests(entry) == []
    _post(client, {**essr, "title": "ESSR to educational", "then": "signoff", "signoff_to": str(educational.id)})
    entry = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.title == "ESSR to educational"))
    assert [r.supervisor_id for r in _requests(entry)] == [educational.id]


def test_an_edited_draft_is_sent_to_the_one_supervisor_in_one_step(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    login(trainee)
    _post(client, form_data())
    [entry] = _entries(trainee)
    data = {**form_data(title="Edited then sent", row_version=str(entry.row_version)), "then": "signoff"}
    response = _post(client, {**data, "signoff_to": str(supervisor.id)}, url=f"/logbook/{entry.id}/edit")
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.title == "Edited then sent" and entry.status == "submitted"
    assert [r.supervisor_id for r in _requests(entry)] == [supervisor.id] and audit.verify_chain().ok


def test_a_procedure_logged_from_its_link_needs_its_technique(client, login):
    trainee = TraineeFactory()
    login(trainee)
    page = client.get("/logbook/new?kind=logbook.procedure").get_data(as_text=True)
    assert {"technique", "guidance"} <= _shown(page)
    response = _post(client, form_data(evidence_type="logbook.procedure", competencies=[PROCEDURES]))
    assert response.status_code == 400 and "Choose the procedure technique" in response.get_data(as_text=True)


def test_home_offers_record_evidence_and_the_common_kinds_in_one_tap(client, login):
    login(TraineeFactory())
    page = client.get("/").get_data(as_text=True)
    assert 'href="/logbook/new">Record evidence</a>' in page
    assert 'href="/logbook/new?kind=logbook.clinic">Log a clinic</a>' in page
    assert 'href="/logbook/new?kind=logbook.procedure">Log a procedure</a>' in page


def test_home_offers_no_record_evidence_to_a_supervisor(client, login):
    login(SupervisorFactory())
    assert "Record evidence" not in client.get("/").get_data(as_text=True)


def test_an_unknown_kind_in_the_address_chooses_nothing(client, login):
    login(TraineeFactory())
    page = client.get("/logbook/new?kind=report.forged").get_data(as_text=True)
    # (the address itself may come back, escaped, in the sign-in-again link of the time-out warning)
    assert _shown(page) == set() and 'value="report.forged"' not in page and "report.forged</" not in page


def test_competency_preselection_still_works_with_the_kind(client, login):
    login(TraineeFactory())
    page = client.get(f"/logbook/new?kind=logbook.clinic&competency={CLINIC}").get_data(as_text=True)
    assert f'value="{CLINIC}" checked' in page


def test_show_details_on_another_trainees_entry_is_refused_and_shows_nothing_of_it(client, login):
    owner = TraineeFactory()
    entry = EvidenceFactory(trainee=owner, title="Owner's private clinic", hospital="Owner's hospital")
    login(TraineeFactory())
    data = {**form_data(row_version=str(entry.row_version)), "show": "kind"}
    response = _post(client, data, url=f"/logbook/{entry.id}/edit")
    assert response.status_code in (403, 404)
    assert "Owner's" not in response.get_data(as_text=True).replace("&#39;", "'")


def test_only_trainees_may_open_the_form_with_a_kind_chosen(client, login):
    login(SupervisorFactory())
    assert client.get("/logbook/new?kind=logbook.clinic").status_code == 403
    assert _post(client, {**form_data(), "show": "kind"}).status_code == 403


def test_editing_an_older_entry_shows_and_keeps_text_its_kind_no_longer_records(client, login):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee, evidence_type="logbook.clinic", reflection="Written before the kinds split.")
    login(trainee)
    page = client.get(f"/logbook/{entry.id}/edit").get_data(as_text=True)
    assert "reflection" in _shown(page) and "Written before the kinds split." in page
    data = form_data(title="Edited", reflection="Written before the kinds split.", row_version=str(entry.row_version))
    assert _post(client, data, url=f"/logbook/{entry.id}/edit").status_code == 302
    db.session.refresh(entry)
    assert entry.title == "Edited" and entry.reflection == "Written before the kinds split."
    reflection = {**data, "evidence_type": "reflection", "supervision_level": "", "row_version": str(entry.row_version)}
    assert _post(client, reflection, url=f"/logbook/{entry.id}/edit").status_code == 302
    db.session.refresh(entry)
    assert entry.evidence_type == "reflection" and entry.hospital is None  # a reflection records no hospital
