"""The public verify pages: a code shows whose document it is and what it covered (never the evidence), an uploaded
file is compared byte for byte, an unknown code is a neutral 404, and the pages are rate limited per address."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import update

from tests.app.platform.helpers import csrf_app, page_token
from tests.app.verify.helpers import issue_note
from tests.conftest import make_test_config
from tests.factories import TraineeFactory
from trainee_portal import create_app
from trainee_portal.extensions import db, limiter
from trainee_portal.models import DocumentExport

UNKNOWN = "No document has this code"


def _upload(client, code, data, name="portfolio.pdf"):
    return client.post(f"/verify/{code}", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.fixture
def issued(app):
    trainee = TraineeFactory(name="Zoë Ó Briain")
    export, data = issue_note(trainee, covered={"evidence_entries": 12, "first_day": "2025-08-06"})
    return trainee, export, data


def test_the_page_shows_whose_document_and_what_it_covered_without_the_evidence(client, issued):
    trainee, export, _data = issued
    response = client.get(f"/verify/{export.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Training portfolio of Zoë Ó Briain" in page and "Evidence entries" in page and "12" in page
    assert "6 August 2025" in page
    assert f"ending {trainee.trainee_profile.gmc_number[-3:]}" in page
    assert trainee.trainee_profile.gmc_number not in page  # masked
    assert f"record {export.audit_sequence}" in page and "The records do not agree" not in page
    assert "A note about" not in page  # the document's content stays in the document


def test_the_issued_bytes_verify_and_one_changed_byte_does_not(client, issued):
    _trainee, export, data = issued
    same = _upload(client, export.code, data)
    assert same.status_code == 200 and "This is the document issued on" in same.get_data(as_text=True)
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    differs = _upload(client, export.code, bytes(changed)).get_data(as_text=True)
    assert "This file is not the document issued with this code: it differs from it." in differs
    assert "This is the document issued on" not in differs
    assert "differs from it" in _upload(client, export.code, data + b"\n").get_data(as_text=True)


@pytest.mark.parametrize(
    "content, message", [(b"", "The file you chose is empty."), (b"PK\x03\x04 a zip", "The file you chose is not a PDF file.")]
)
def test_an_empty_or_non_pdf_file_gets_a_clear_answer(client, issued, content, message):
    _trainee, export, _data = issued
    response = _upload(client, export.code, content, name="x.docx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "it differs from it" in page


def test_no_file_chosen_asks_for_one(client, issued):
    _trainee, export, _data = issued
    response = client.post(f"/verify/{export.code}", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the PDF file to check" in response.get_data(as_text=True)


def test_a_file_over_the_apps_limit_is_refused_with_a_message(app, client, issued):
    _trainee, export, _data = issued
    too_big = b"%PDF-" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = _upload(client, export.code, too_big)
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_an_unknown_code_is_a_neutral_404(client, issued):
    _trainee, export, _data = issued
    other = "2222-2222-22" if export.code != "2222-2222-22" else "3333-3333-33"
    for url in (f"/verify/{other}", "/verify/not-a-code", "/verify/" + "A" * 300):
        response = client.get(url)
        assert response.status_code == 404 and UNKNOWN in response.get_data(as_text=True)
    assert _upload(client, other, b"%PDF-1.4").status_code == 404


def test_a_code_typed_loosely_is_found(client, issued):
    _trainee, export, _data = issued
    response = client.get(f"/verify/{export.code.lower().replace('-', '')}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{export.code}")
    found = client.post("/verify/", data={"code": f" {export.code.lower()} "})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/verify/{export.code}")
    bad = client.post("/verify/", data={"code": "hello"})
    assert bad.status_code == 400 and "10 letters and digits" in bad.get_data(as_text=True)
    assert client.get("/verify/").status_code == 200


def test_a_swapped_hash_is_not_vouched_for(client, issued):
    _trainee, export, data = issued
    forged = b"%PDF-1.7 a forged portfolio"
    from trainee_portal.verify.services import sha256_hex

    db.session.execute(
        update(DocumentExport).where(DocumentExport.id == export.id).values(sha256=sha256_hex(forged), size=len(forged))
    )
    db.session.commit()
    page = client.get(f"/verify/{export.code}").get_data(as_text=True)
    assert "The records do not agree" in page
    assert "differs from it" in _upload(client, export.code, forged).get_data(as_text=True)
    assert "differs from it" in _upload(client, export.code, data).get_data(as_text=True)


def test_the_forms_carry_csrf_for_anonymous_callers(database_url, instance_dir, app, issued):
    _trainee, export, data = issued
    client = csrf_app(database_url, instance_dir).test_client()
    assert client.post("/verify/", data={"code": export.code}).status_code == 400  # no token
    token = page_token(client.get("/verify/").get_data(as_text=True))
    assert client.post("/verify/", data={"code": export.code, "csrf_token": token}).status_code == 302
    token = page_token(client.get(f"/verify/{export.code}").get_data(as_text=True))
    response = client.post(
        f"/verify/{export.code}",
        data={"file": (io.BytesIO(data), "p.pdf"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert "This is the document issued on" in response.get_data(as_text=True)


def test_the_pages_answer_429_after_the_limit(database_url, instance_dir, app, issued):
    _trainee, export, _data = issued
    limited = create_app(
        make_test_config(database_url, instance_dir) | {"RATELIMIT_ENABLED": True, "VERIFY_RATE_LIMIT": "3 per minute"}
    ).test_client()
    try:
        statuses = [limited.get(url).status_code for url in ("/verify/", f"/verify/{export.code}", "/verify/2222-2222-22")]
        assert statuses == [200, 200, 404]
        refused = limited.get(f"/verify/{export.code}")
        assert refused.status_code == 429 and "Too many" in refused.get_data(as_text=True)
    finally:
        limiter.reset()
