"""Recording evidence through the form: each type, the server-side rules, and nothing typed lost on a refusal."""

from __future__ import annotations

import dataclasses
import gc
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.app.logbook.helpers import CLINIC, PDF_BYTES, PNG_BYTES, PROCEDURES, form_data
from tests.factories import EvidenceFactory, SupervisorFactory, TraineeFactory
from tests.support import clock
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import services as service
from trainee_portal.models import EvidenceEntry, EvidenceTally


def _entries(trainee):
    return db.session.scalars(select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id)).all()


def _post(client, data, **kwargs):
    return client.post("/logbook/new", data=data, content_type="multipart/form-data", **kwargs)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"evidence_type": "logbook.ward_round", "setting": "ward"},
        {"evidence_type": "logbook.mdt", "setting": "mdt"},
        {"evidence_type": "logbook.teaching", "setting": "teaching"},
        {
            "evidence_type": "logbook.procedure",
            "technique": "medial_branch_block",
            "guidance": "xray",
            "competencies": [PROCEDURES],
        },
        {"evidence_type": "wba.dops", "technique": "epidural", "guidance": "landmark", "competencies": [PROCEDURES]},
        {"evidence_type": "wba.cbd"},
        {"evidence_type": "wba.cex"},
        {"evidence_type": "wba.msf"},
        {"evidence_type": "reflection", "supervision_level": "", "reflection": "I learned to explore expectations first."},
    ],
)
def test_trainee_records_each_type_of_evidence_as_a_draft_in_one_submit(client, login, overrides):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(**overrides))
    assert response.status_code == 302
    [entry] = _entries(trainee)
    assert response.headers["Location"].endswith(f"/logbook/{entry.id}")
    assert entry.status == "draft" and entry.version == 1 and entry.content_hash == entry.compute_content_hash()
    assert entry.evidence_type == form_data(**overrides)["evidence_type"]
    page = client.get(f"/logbook/{entry.id}").get_data(as_text=True)
    assert entry.title in page and "Nobody has been asked to sign this yet" in page


def test_certificate_needs_a_real_pdf_or_image_and_is_stored_under_a_generated_name(client, login, app):
    trainee = TraineeFactory()
    login(trainee)
    data = form_data(evidence_type="certificate", title="Pain management course", supervision_level="")
    refused = _post(client, data)
    assert refused.status_code == 400 and "Upload the certificate as a PDF, PNG or JPEG file" in refused.get_data(as_text=True)
    saved = _post(client, {**data, "attachment": (io.BytesIO(PDF_BYTES), "my course.pdf")})
    assert saved.status_code == 302
    [entry] = _entries(trainee)
    assert entry.attachment_name == "my course.pdf" and entry.attachment_mime == "application/pdf"
    assert entry.attachment_path.endswith(".pdf") and "course" not in entry.attachment_path
    download = client.get(f"/logbook/{entry.id}/file")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.docx", b"PK\x03\x04 word", "The file must be a PDF, PNG or JPEG"),
        ("fake.png", b"MZ\x90\x00 this is a program", "is not really a PNG file"),
        ("empty.pdf", b"", "The file is empty"),
    ],
)
def test_wrong_file_types_are_refused_with_the_rest_of_the_form_kept(client, login, name, content, message):
    trainee = TraineeFactory()
    login(trainee)
    data = form_data(evidence_type="certificate", title="Advanced pain course", supervision_level="")
    response = _post(client, {**data, "attachment": (io.BytesIO(content), name)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert "Advanced pain course" in page and "St Thomas&#39; Hospital" in page
    assert _entries(trainee) == []


def test_file_over_the_size_limit_is_refused(client, login, app):
    trainee = TraineeFactory()
    login(trainee)
    app.config["UPLOAD_MAX_BYTES"] = 1024
    try:
        data = form_data(evidence_type="certificate", supervision_level="")
        response = _post(client, {**data, "attachment": (io.BytesIO(PNG_BYTES + b"\x00" * 2048), "scan.png")})
    finally:
        app.config["UPLOAD_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 400 and "The file is 2 KB: it must be at most 1 KB" in response.get_data(as_text=True)
    assert _entries(trainee) == []


def test_a_good_upload_with_another_field_wrong_is_not_stored_and_the_user_is_told(client, login, app):
    trainee = TraineeFactory()
    login(trainee)
    data = form_data(evidence_type="certificate", supervision_level="", title="")
    uploads = Path(app.config["UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    before = set(uploads.iterdir())
    first = _post(client, {**data, "attachment": (io.BytesIO(PNG_BYTES), "certificate.png")})
    assert first.status_code == 400 and "Choose the file again" in first.get_data(as_text=True)
    assert set(uploads.iterdir()) == before
    second = _post(client, {**data, "title": "Course certificate", "attachment": (io.BytesIO(PNG_BYTES), "certificate.png")})
    assert second.status_code == 302
    [entry] = _entries(trainee)
    assert entry.attachment_name == "certificate.png" and client.get(f"/logbook/{entry.id}/file").data == PNG_BYTES


def test_future_date_is_refused_and_everything_typed_comes_back(client, login):
    trainee = TraineeFactory()
    login(trainee)
    later = clock.today() + timedelta(days=2)
    response = _post(client, form_data(occurred_on=later.isoformat(), notes="Long clinic with three follow-ups"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The date cannot be in the future" in page and 'href="#occurred_on-day"' in page
    assert "Long clinic with three follow-ups" in page and "New patient pain clinic" in page
    assert f'name="occurred_on-day" type="text" value="{later.day}"' in page
    assert f'name="occurred_on-year" type="text" value="{later.year}"' in page
    assert _entries(trainee) == []


def test_absurdly_old_dates_are_refused(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(occurred_on="1987-05-01"))
    assert response.status_code == 400 and "Enter a date after 01/01/" in response.get_data(as_text=True)


def test_uk_date_format_is_accepted_and_nonsense_dates_are_explained(client, login):
    trainee = TraineeFactory()
    login(trainee)
    day = clock.today() - timedelta(days=1)
    assert _post(client, form_data(occurred_on=day.strftime("%d/%m/%Y"))).status_code == 302
    response = _post(client, form_data(occurred_on="31/02/2026"))
    assert response.status_code == 400 and "Enter a real date" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, text, named",
    [
        ("notes", "Seen with NHS number 943 476 5919 in clinic", "943 476 5919"),
        ("title", "Clinic SW1A 1AA follow-up", "SW1A 1AA"),
        ("hospital", "Royal Infirmary MRN 1234567", "MRN 1234567"),
        ("reflection", "Patient DOB 12/03/1956 struggled with pacing", "DOB 12/03/1956"),
    ],
)
def test_patient_identifiers_in_any_free_text_field_are_refused_by_name(client, login, field, text, named):
    trainee = TraineeFactory()
    login(trainee)
    kind = {"evidence_type": "reflection", "supervision_level": ""} if field == "reflection" else {}
    response = _post(client, form_data(**{**kind, field: text}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"Remove &#34;{named}&#34;" in page or f"Remove &quot;{named}&quot;" in page
    assert "Free text must not identify a patient." in page
    assert text.replace("'", "&#39;") in page  # what was typed comes back to be edited
    assert _entries(trainee) == []


def test_procedures_and_dops_need_technique_and_guidance(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(evidence_type="wba.dops", competencies=[PROCEDURES]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the procedure technique" in page and "Choose the guidance used" in page


def test_procedure_fields_are_dropped_for_other_types(client, login):
    trainee = TraineeFactory()
    login(trainee)
    assert _post(client, form_data(technique="epidural", guidance="ultrasound")).status_code == 302
    [entry] = _entries(trainee)
    assert entry.technique is None and entry.guidance is None


def test_clinical_evidence_needs_a_supervision_level_and_reflections_need_text(client, login):
    trainee = TraineeFactory()
    login(trainee)
    page = _post(client, form_data(supervision_level="")).get_data(as_text=True)
    assert "Choose the level of supervision" in page
    page = _post(client, form_data(evidence_type="reflection", supervision_level="")).get_data(as_text=True)
    assert "Write your reflection" in page


def test_at_least_one_competency_of_the_curriculum_is_needed_and_several_may_be_claimed(client, login):
    trainee = TraineeFactory()
    login(trainee)
    assert "Choose at least one competency" in _post(client, form_data(competencies=[])).get_data(as_text=True)
    assert "is not a competency of your curriculum" in _post(client, form_data(competencies=["PM_BK_99"])).get_data(as_text=True)
    assert _post(client, form_data(competencies=[CLINIC, "S3_PM_02", "S1_PM_02"])).status_code == 302
    [entry] = _entries(trainee)
    assert set(entry.competency_codes) == {CLINIC, "S3_PM_02", "S1_PM_02"} and entry.stage_level == "higher"


def test_entry_for_an_earlier_stage_counts_for_that_stage(client, login):
    trainee = TraineeFactory()
    login(trainee)
    assert _post(client, form_data(competencies=["S1_PM_02"])).status_code == 302
    assert _entries(trainee)[0].stage_level == "basic"


def test_new_form_starts_from_the_last_entry_of_the_same_kind_and_says_so_and_defaults_to_today(client, login):
    trainee = TraineeFactory()
    EvidenceFactory(trainee=trainee, evidence_type="logbook.clinic", setting="outpatient", hospital="Salford Royal")
    EvidenceFactory(trainee=trainee, evidence_type="logbook.ward_round", setting="ward", hospital="Royal Oldham")
    login(trainee)
    page = client.get("/logbook/new?kind=logbook.clinic").get_data(as_text=True)
    assert 'value="Salford Royal"' in page and '<option value="outpatient" selected' in page
    assert "Royal Oldham" not in page and '<option value="ward" selected' not in page
    assert "From your last clinic entry" in page
    today = clock.today()
    assert f'name="occurred_on-day" type="text" value="{today.day}"' in page
    assert f'name="occurred_on-month" type="text" value="{today.month}"' in page


def test_new_form_opens_the_current_stage_and_can_preselect_a_competency(client, login):
    trainee = TraineeFactory()
    login(trainee)
    page = client.get(f"/logbook/new?competency={CLINIC}&type=wba.cex").get_data(as_text=True)
    assert "(your current stage)" in page and f'value="{CLINIC}" checked' in page
    assert '<option value="wba.cex" selected' in page


def test_a_refused_form_still_lists_the_competencies_by_stage_with_the_claimed_one_kept(client, login):
    """The stage groups are worked out only for a page that shows the form: a refused save shows them as the new
    form does, the current stage first, with what was claimed still ticked."""
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, form_data(title=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter a short title" in page
    assert "(your current stage)" in page and f'value="{CLINIC}" checked' in page
    assert page.index("(your current stage)") < page.index("S1_PM_01")


def test_competency_choices_are_the_curriculums_in_order_and_each_caller_gets_its_own_list(app):
    curriculum = curricula.curriculum("2021")
    expected = [(c.code, f"{c.code} – {c.title}") for stage in curriculum.stages for c in stage.competencies]
    first = service.competency_choices(curriculum)
    assert first == expected
    first.append(("X", "changed by a caller"))
    assert service.competency_choices(curriculum) == expected
    assert service.competency_choices(curricula.curriculum("2010"))[0][0].startswith("PM_")


def test_competency_choices_of_a_curriculum_no_longer_held_are_dropped(app):
    """A registry reload makes new curriculum objects: the choices worked out for the old ones go with them."""
    kept = curricula.curriculum("2021")
    service.competency_choices(kept)
    reloaded = dataclasses.replace(kept, title=kept.title + " (reloaded)")
    assert service.competency_choices(reloaded) == service.competency_choices(kept)
    assert id(reloaded) in service._CHOICES
    gone = id(reloaded)
    del reloaded
    gc.collect()
    assert gone not in service._CHOICES and id(kept) in service._CHOICES


def test_saving_updates_the_progress_tally_in_the_same_transaction(client, login):
    trainee = TraineeFactory()
    login(trainee)
    _post(client, form_data())
    tally = db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee.id)).all()
    assert [(t.competency_code, t.evidence_type, t.status, t.count) for t in tally] == [(CLINIC, "logbook.clinic", "draft", 1)]


def test_only_trainees_record_evidence(client, login):
    login(SupervisorFactory())
    assert client.get("/logbook/new").status_code == 403
    assert client.post("/logbook/new", data=form_data()).status_code == 403


def test_save_and_ask_for_sign_off_goes_to_the_request_page(client, login, app):
    trainee = TraineeFactory()
    login(trainee)
    response = _post(client, {**form_data(), "then": "signoff"})
    [entry] = _entries(trainee)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/signoff/request/{entry.id}")


def test_nul_characters_are_dropped_from_free_text(client, login):
    trainee = TraineeFactory()
    login(trainee)
    assert _post(client, form_data(title="Clinic\x00 list", notes="a\x00b")).status_code == 302
    [entry] = _entries(trainee)
    assert (entry.title, entry.notes) == ("Clinic list", "ab")
