"""NUL and other control characters in any form field, query parameter, upload file name or CSV cell never reach
the database (PostgreSQL refuses a NUL in text, which used to be a 500), on both engines."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, func, select

from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import AdminFactory, DirectorFactory, DopsFactory, RegionFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, EvidenceEntry, Region, SignOff, SignOffRequest, User
from trainee_portal.platform.inputs import CONTROL_CHARACTERS, clean_text
from trainee_portal.signoff.links import mint_token

BAD = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f\ufffe\uffff"


def stored_control_characters() -> list[str]:
    """Every text value in the database that holds a control character, as table.column."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            found += [
                f"{table.name}.{c.name}" for c, v in zip(columns, row) if isinstance(v, str) and CONTROL_CHARACTERS.search(v)
            ]
    return found


def test_clean_text_removes_controls_and_keeps_text_tabs_and_line_breaks():
    assert clean_text(f"Dr{BAD} Ann\tO'Neill\r\nNaïve – ü 😀") == "Dr Ann\tO'Neill\r\nNaïve – ü 😀"
    assert clean_text("a\ud800b") == "ab"


def _pending_with_token(client, login, people, entry):
    signoff_request = request_via_app(client, login, people, entry, recipient="assessor", email="visitor@nhs.example")
    token = mint_token(signoff_request, clock.now())
    db.session.commit()
    return signoff_request, token


def test_nul_in_the_public_assessor_form_is_removed(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, token = _pending_with_token(client, login, people, entry)
    response = client.post(
        f"/signoff/assessor/{token}",
        data={
            "assessor_name": "Dr Visiting\x00 Consultant",
            "assessor_gmc": "1234567\x00",
            "decision": "sign",
            "supervision_level": "3",
            "feedback": "Safe\x00 and fluent.\x01",
            "seen_hash": db.session.get(EvidenceEntry, entry.id).compute_content_hash(),
        },
    )
    assert response.status_code < 500
    db.session.expire_all()
    signoff = db.session.scalar(select(SignOff).where(SignOff.request_id == signoff_request.id))
    assert signoff is not None and signoff.assessor_name == "Dr Visiting Consultant"
    assert signoff.feedback == "Safe and fluent."
    assert stored_control_characters() == []


@pytest.mark.parametrize("decision,field", [("sign", "feedback"), ("return", "reason")])
def test_nul_in_sign_off_feedback_and_return_reason_is_removed(client, login, decision, field):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    response = client.post(
        f"/signoff/requests/{signoff_request.id}/decide",
        data={
            "decision": decision,
            "supervision_level": "3",
            field: "Add the\x00 outcome\x0b at six weeks.",
            "seen_hash": db.session.get(EvidenceEntry, entry.id).compute_content_hash(),
        },
    )
    assert response.status_code == 302, response.data.decode()[:1000]
    db.session.expire_all()
    assert db.session.get(SignOffRequest, signoff_request.id).status == ("signed" if decision == "sign" else "returned")
    assert stored_control_characters() == []


def test_nul_in_arcp_notes_is_removed(client, login):
    region = RegionFactory()
    director = DirectorFactory()
    direct(director, region=region)
    trainee = TraineeFactory(profile__region=region)
    login(director)
    response = client.post(
        f"/cohort/trainee/{trainee.id}/arcp",
        data={
            "training_year": "ST5",
            "outcome": "2",
            "panel_date": (clock.today() - timedelta(days=3)).isoformat(),
            "notes": "Needs two\x00 more DOPS.\x1b",
        },
    )
    assert response.status_code == 302, response.data.decode()[:1000]
    assert db.session.scalar(select(ArcpOutcome.notes)) == "Needs two more DOPS."
    assert stored_control_characters() == []


def test_nul_in_admin_names_and_the_user_search_is_removed(client, login):
    login(AdminFactory())
    response = client.post(
        "/admin/users/new", data={"email": "new.person@nhs.net", "name": "Dr New\x00 Person\x9f", "roles": ["supervisor"]}
    )
    assert response.status_code < 500
    assert db.session.scalar(select(User.name).where(User.email == "new.person@nhs.net")) == "Dr New Person"
    region = client.post("/admin/regions", data={"region-name": "Wes\x00sex"})
    assert region.status_code == 302
    search = client.get("/admin/users?q=Dr%00%20New")
    assert search.status_code == 200 and "Dr New Person" in search.data.decode()
    assert stored_control_characters() == []


def test_control_characters_in_an_upload_name_are_removed(client, login):
    trainee = TraineeFactory()
    login(trainee)
    from trainee_portal import curricula

    code = (
        curricula.curriculum(trainee.trainee_profile.curriculum_version)
        .stage_for_level(trainee.trainee_profile.current_stage)
        .competencies[0]
        .code
    )
    response = client.post(
        "/logbook/new",
        content_type="multipart/form-data",
        data={
            "evidence_type": "certificate",
            "occurred_on": clock.today().isoformat(),
            "title": "Course\x00 certificate",
            "competencies": [code],
            "attachment": (io.BytesIO(b"%PDF-1.4 tiny"), "course\x00\x07.pdf"),
        },
    )
    assert response.status_code == 302, response.data.decode()[:2000]
    entry = db.session.scalar(select(EvidenceEntry))
    assert entry.attachment_name == "course.pdf" and entry.title == "Course certificate"
    assert stored_control_characters() == []


def test_a_nul_in_a_csv_cell_is_removed_not_a_500(client, login):
    login(TraineeFactory())
    day = (clock.today() - timedelta(days=10)).strftime("%d/%m/%Y")
    csv = (
        "date,type,title,competencies,setting,hospital,supervision_level,notes\n"
        f"{day},Clinic,Follow-up\x00 clinic,S3_PM_01,outpatient,Salford\x00 Royal,2b,Reviewed\x01 pacing plan\x00\n"
    )
    response = client.post(
        "/imports/new", content_type="multipart/form-data", data={"file": (io.BytesIO(csv.encode()), "logbook.csv")}
    )
    assert response.status_code == 302, response.data.decode()[:2000]
    entry = db.session.scalar(select(EvidenceEntry))
    assert (entry.title, entry.hospital, entry.notes) == ("Follow-up clinic", "Salford Royal", "Reviewed pacing plan")
    assert stored_control_characters() == []


CONTROLS = st.text(
    alphabet=st.characters(codec=None, categories=["Cc", "Cs"], exclude_characters="\t\n\r")
    | st.sampled_from(["\ufffe", "\uffff"]),
    min_size=1,
    max_size=8,
)


def _encoded(text: str) -> str:
    """Percent-encoded UTF-8 as a client might send it, lone surrogates included (encoded as if they were characters)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(controls=CONTROLS)
def test_property_no_control_character_reaches_the_database_or_gives_a_500(client, login, controls):
    """Any control characters in a region's name and in the user search: a region is added without them, never a 500."""
    if client.get("/admin/users").status_code != 200:
        login(AdminFactory())
    name = f"Reg{controls}ion {db.session.scalar(select(func.count()).select_from(Region))}"
    added = client.post("/admin/regions", data=f"region-name={_encoded(name)}", content_type="application/x-www-form-urlencoded")
    assert added.status_code in (302, 400), added.status_code
    assert client.get(f"/admin/users?q={_encoded('a' + controls + 'b')}").status_code == 200
    assert stored_control_characters() == []
