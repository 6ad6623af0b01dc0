"""The shared PDF base: the Unicode font (and a clear error without it), the stamp on the first page and in every
footer, and the signed head at the end."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from tests.support.pdftext import flat_text, pdf_text
from trainee_portal.platform import pdf
from trainee_portal.platform.pdf import Document, FontMissing, Stamp

HEAD = SimpleNamespace(
    sequence=12, last_hash="ab" * 32, key_id="0123456789abcdef", signature="c2lnbmF0dXJl" * 7, signed_at=datetime(2026, 12, 1, 9)
)
STAMP = Stamp("K7QF-2M9X-WP", "https://portfolio.example.nhs.uk/verify/K7QF-2M9X-WP", datetime(2026, 12, 1, 9), HEAD, 11)


def test_a_unicode_name_renders_and_the_stamp_is_on_every_page():
    document = Document("Training portfolio – Zoë Ó Briain – ST6")
    document.stamp(STAMP)
    document.heading("Zoë Ó Briain – ST6", 1)
    for number in range(120):
        document.paragraph(f"Line {number}: Ærø, Łódź, Ñandú – “quoted” · ‘single’")
    document.data_table(("Name", "Note"), [("Siân", None)], (40, 140))
    data = document.finish()
    text, flat = pdf_text(data), flat_text(data)
    assert data.startswith(b"%PDF") and document.page_no() > 1
    assert "Zoë Ó Briain – ST6" in text and "Łódź, Ñandú – “quoted”" in text and "Siân" in text
    assert "Verification code: K7QF-2M9X-WP" in text and STAMP.url in flat
    assert text.count("verification code K7QF-2M9X-WP · page") == document.page_no()
    assert f"page {document.page_no()} of {document.page_no()}" in text
    assert HEAD.last_hash in flat and HEAD.signature in flat and "sequence 12" in flat and "record 11" in flat
    assert b"/Subtype /Image" in data  # the QR code


def test_an_unstamped_document_prints_no_code():
    document = Document("Notes")
    document.paragraph("Plain")
    text = pdf_text(document.finish())
    assert "Plain" in text and "verification code" not in text and "Audit record" not in text


def test_without_the_font_building_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    with pytest.raises(FontMissing, match="scripts/install"):
        Document("Anything")


def test_the_qr_code_is_a_png():
    assert pdf.qr_png(STAMP.url).startswith(b"\x89PNG")


def test_a_stamped_document_starts_with_its_heading_then_the_stamp():
    document = pdf.stamped_document("ARCP panel pack – Siân", STAMP)
    text = pdf_text(document.finish())
    assert text.index("ARCP panel pack – Siân") < text.index("Verification code: K7QF-2M9X-WP")
