"""The pack's PDF: issued with a verification code, it verifies byte for byte on the public page; the same file with
one byte changed does not; each download is audited; an entry made after the cut-off is not in it; the outcome recorded
against the pack is dated on the UK day."""

from __future__ import annotations

import io
from datetime import datetime

from flask import g
from sqlalchemy import select

from tests.app.packs.test_packs import at, people, sign, submitted  # noqa: F401 (people is a fixture)
from tests.conftest import TEST_PASSWORD
from tests.factories import EvidenceFactory
from tests.support.pdftext import pdf_text
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, AuditRecord, DocumentExport
from trainee_portal.packs import services


def _upload(client, code, data):
    return client.post(f"/verify/{code}", data={"file": (io.BytesIO(data), "pack.pdf")}, content_type="multipart/form-data")


def test_the_pack_pdf_verifies_and_a_changed_byte_does_not(app, client, login, people, clock):  # noqa: F811
    _entry, request = submitted(people, "Signed in time", clock, at(2))
    sign(people, request, clock, at(3))
    clock.set(at(9, 9))
    pack = services.freeze(people.panel, people.trainee.id)
    EvidenceFactory(trainee=people.trainee, title="Logged after the cut-off", status="submitted")
    login(people.trainee)
    response = client.get(f"/packs/{pack.id}/pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    text = pdf_text(data)
    assert "Signed in time" in text and "Logged after the cut-off" not in text and "Dr Zoë Ó Briain" in text
    export = db.session.scalar(select(DocumentExport).where(DocumentExport.panel_pack_id == pack.id))
    assert export.kind == "panel_pack" and export.trainee_id == people.trainee.id and export.sha256
    assert db.session.scalar(select(AuditRecord.id).where(AuditRecord.action == "document.issued")) is not None

    g.pop("_login_user", None)
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{export.code}").get_data(as_text=True)
    assert "ARCP panel pack" in page
    assert "This is the document issued on" in _upload(anonymous, export.code, data).get_data(as_text=True)
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01
    assert "differs from it" in _upload(anonymous, export.code, bytes(changed)).get_data(as_text=True)

    # The director downloads it too: another issued document, with its own code.
    director = app.test_client()
    director.post("/login", data={"email": people.director.email, "password": TEST_PASSWORD})
    assert director.get(f"/packs/{pack.id}/pack.pdf").status_code == 200
    codes = db.session.scalars(select(DocumentExport.code).where(DocumentExport.panel_pack_id == pack.id)).all()
    assert len(set(codes)) == 2


def test_the_pack_pdf_dates_the_outcome_recorded_on_the_uk_day(client, login, people, clock):  # noqa: F811
    _entry, request = submitted(people, "Signed in time", clock, at(2))
    sign(people, request, clock, at(3))
    clock.set(at(9, 9))
    pack = services.freeze(people.panel, people.trainee.id)
    db.session.add(
        ArcpOutcome(
            trainee_id=people.trainee.id,
            training_year="ST6",
            outcome="1",
            panel_date=pack.cutoff_date,
            recorded_by_id=people.director.id,
            panel_pack_id=pack.id,
            created_at=datetime(2026, 7, 1, 23, 30),  # 00:30 BST on 2 July
        )
    )
    db.session.commit()
    login(people.trainee)
    text = pdf_text(client.get(f"/packs/{pack.id}/pack.pdf").data)
    assert "(recorded 02 July 2026)" in text and "01 July 2026" not in text
