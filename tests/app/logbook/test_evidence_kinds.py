"""The 2021 evidence kinds (A-QIPAT, personal activity, multiple trainer report, ESSR) and the supervision level
"not applicable", through the form, the page, the CSV import and export, the PDF and sign-off requests."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from tests.app.logbook.helpers import CLINIC, form_data
from tests.factories import EvidenceFactory, SignOffFactory, SupervisorFactory, TraineeFactory, assign
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, EvidenceTally

QI, MDT = "SIA_AIP_06", "S3_PM_05"


def _post(client, **overrides):
    return client.post("/logbook/new", data=form_data(**overrides), content_type="multipart/form-data")


def _entries(trainee):
    return db.session.scalars(select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id)).all()


NEW_KINDS = [
    pytest.param({"evidence_type": "wba.aqipat", "supervision_level": "na", "competencies": [QI]}, "na", id="A-QIPAT"),
    pytest.param(
        {"evidence_type": "activity.personal", "supervision_level": "3", "notes": "Regional acute pain study day."},
        None,
        id="personal activity",
    ),
    pytest.param({"evidence_type": "report.mtr", "supervision_level": "", "notes": "Four trainers: on track."}, None, id="MTR"),
    pytest.param(
        {"evidence_type": "report.essr", "supervision_level": "", "reflection": "My year: SIA started, QI project done."},
        None,
        id="ESSR",
    ),
]


@pytest.mark.parametrize("overrides, level", NEW_KINDS)
def test_each_new_kind_is_saved_through_the_form(client, login, overrides, level):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, **overrides)
    assert response.status_code == 302
    [entry] = _entries(trainee)
    assert entry.evidence_type == overrides["evidence_type"] and entry.supervision_level == level
    page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert entry.title in page
    if level == "na":
        assert "Not applicable" in page


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"evidence_type": "wba.aqipat", "supervision_level": "", "competencies": [QI]}, "supervision_level", "Choose the level"),
        ({"evidence_type": "activity.personal", "notes": ""}, "notes", "Describe the activity"),
        ({"evidence_type": "report.mtr", "notes": ""}, "notes", "Summarise what the trainers reported"),
        ({"evidence_type": "report.essr", "reflection": ""}, "reflection", "Write your structured report"),
        ({"evidence_type": "report.essr", "reflection": "x" * 10001}, "reflection", "10,000 characters"),
        ({"evidence_type": "logbook.mdt", "supervision_level": "n/a"}, "supervision_level", "is not one of the choices"),
        ({"evidence_type": "report.forged"}, "evidence_type", "is not one of the choices"),
    ],
)
def test_bad_input_for_the_new_kinds_is_refused_with_a_message_and_kept(client, login, overrides, field, message):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, title="Typed title kept", **overrides)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Typed title kept" in page
    assert _entries(trainee) == []


def test_not_applicable_on_an_mdt_is_stored_tallied_and_handed_to_the_core(client, login):
    from trainee_portal.summaries import progress

    trainee = TraineeFactory()
    login(trainee)
    assert (
        _post(client, evidence_type="logbook.mdt", setting="mdt", supervision_level="na", competencies=[MDT]).status_code == 302
    )
    [tally] = db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee.id)).all()
    assert (tally.evidence_type, tally.supervision_level, tally.count) == ("logbook.mdt", "na", 1)
    [count] = progress.trainee_counts(trainee.id, [MDT])
    assert (count.supervision_level, count.status) == ("na", "draft")  # the core ranks it below every minimum


def test_not_applicable_round_trips_through_csv_export_and_import(client, login):
    source, target = TraineeFactory(), TraineeFactory()
    EvidenceFactory(trainee=source, title="Spinal MDT", evidence_type="logbook.mdt", supervision_level="na", codes=(MDT,))
    EvidenceFactory(trainee=source, title="Study day", evidence_type="activity.personal", supervision_level=None, notes="Day")
    login(source)
    exported = client.get("/logbook/export.csv").get_data(as_text=True)
    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert rows["Spinal MDT"]["supervision_level"] == "na" and rows["Study day"]["type"] == "activity.personal"
    client.post("/logout")
    login(target)
    response = client.post(
        "/imports/new", data={"file": (io.BytesIO(exported.encode()), "l.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    imported = {e.title: e for e in _entries(target)}
    assert imported["Spinal MDT"].supervision_level == "na"
    assert imported["Study day"].evidence_type == "activity.personal" and imported["Study day"].supervision_level is None


@pytest.mark.parametrize("written", ["Not applicable", "NA", "na"])
def test_csv_import_reads_not_applicable_as_typed(client, login, written):
    trainee = TraineeFactory()
    login(trainee)
    text = f"date,type,title,competencies,supervision_level\n01/06/2026,MDT meeting,Pelvic pain MDT,{MDT},{written}\n"
    text += f"02/06/2026,A-QIPAT,Opioid stewardship QI,{QI},{written}\n"
    response = client.post(
        "/imports/new", data={"file": (io.BytesIO(text.encode()), "l.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert sorted((e.evidence_type, e.supervision_level) for e in _entries(trainee)) == [
        ("logbook.mdt", "na"),
        ("wba.aqipat", "na"),
    ]


def test_csv_import_refuses_an_essr_without_its_report(client, login):
    trainee = TraineeFactory()
    login(trainee)
    text = f"date,type,title,competencies\n01/06/2026,ESSR,My ESSR,{CLINIC}\n"
    response = client.post(
        "/imports/new", data={"file": (io.BytesIO(text.encode()), "l.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 rejected" in page and "Write your structured report" in page
    assert _entries(trainee) == []


def test_portfolio_pdf_holds_the_new_kinds_and_not_applicable(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    for kind, level in (("logbook.mdt", "na"), ("report.essr", None), ("wba.aqipat", "na")):
        SignOffFactory(evidence=EvidenceFactory(trainee=trainee, evidence_type=kind, supervision_level=level), signer=supervisor)
    login(trainee)
    response = client.get("/logbook/portfolio.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_essr_goes_only_to_the_educational_supervisor(app):
    trainee = TraineeFactory()
    educational, clinical = SupervisorFactory(), SupervisorFactory()
    assign(educational, trainee)
    assign(clinical, trainee, kind="clinical")
    essr = EvidenceFactory(trainee=trainee, evidence_type="report.essr", supervision_level=None, reflection="My year.")
    clinic = EvidenceFactory(trainee=trainee)
    assert policy.can_ask_supervisor(trainee, essr, educational)
    assert not policy.can_ask_supervisor(trainee, essr, clinical)
    assert policy.can_ask_supervisor(trainee, clinic, clinical)
    assert not policy.can_ask_assessor(trainee, essr, "assessor@example.org")
    assert policy.can_ask_assessor(trainee, clinic, "assessor@example.org")


def test_a_signer_may_record_not_applicable_and_it_reads_so(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee, evidence_type="logbook.teaching", supervision_level="na", status="submitted")
    signature = SignOffFactory(evidence=entry, signer=supervisor, supervision_level="na")
    login(trainee)
    page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert "Signed at supervision level Not applicable" in page
    assert signature.supervision_level == "na"


def test_an_entry_claiming_no_competency_shows_no_empty_competencies_row(client, login):
    """A released MSF round's entry claims no competency: its page leaves the row out rather than show an empty list."""
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee, evidence_type="wba.msf", supervision_level="na", codes=())
    login(trainee)
    page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert "Supervision level" in page and "Competencies" not in page and '<ul class="nhsuk-list"></ul>' not in page
