"""How the evidence form reaches the server: the page's script sends it as the urlencoded form when no file is chosen
(the form's multipart/form-data costs the server far more to read) and as multipart/form-data when one is, and the
file is then stored; a certificate sent without its file is refused as before."""

from __future__ import annotations

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _sent_as(page, click) -> str:
    """The Content-Type of the form's POST that `click` makes."""
    with page.expect_request(lambda r: r.method == "POST" and "/logbook/new" in r.url) as sent:
        click()
    return sent.value.headers.get("content-type", "")


def _save(page):
    return page.get_by_role("button", name="Save as draft").click


def test_the_form_goes_urlencoded_without_a_file_and_as_multipart_with_one(browsing):
    tab = browsing.sign_in("trainee")
    page = tab.page

    tab.goto("/logbook/new?kind=logbook.clinic")
    page.get_by_label("Title").fill("Clinic sent without a file")
    page.get_by_label("Supervision level").select_option("2b")
    page.locator("details[open] input[name=competencies]").first.check()
    sent = _sent_as(page, _save(page))
    assert sent.startswith("application/x-www-form-urlencoded"), sent
    assert "Saved “Clinic sent without a file” as a draft." in tab.flash_text()

    tab.goto("/logbook/new?kind=certificate")
    page.get_by_label("Title").fill("Certificate sent without its file")
    page.locator("details[open] input[name=competencies]").first.check()
    tab.expect_refusal(400)
    sent = _sent_as(page, _save(page))
    assert sent.startswith("application/x-www-form-urlencoded"), sent
    page.wait_for_load_state("load")
    assert "Upload the certificate as a PDF, PNG or JPEG file" in page.locator(".nhsuk-error-summary").inner_text()
    tab.check("certificate refused without its file")

    page.get_by_label("Certificate or supporting file").set_input_files(
        {"name": "pain-course.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    sent = _sent_as(page, _save(page))
    assert sent.startswith("multipart/form-data"), sent
    assert "Saved “Certificate sent without its file” as a draft." in tab.flash_text()
    assert page.get_by_role("link", name="pain-course.pdf").is_visible()
    tab.check("certificate saved with its file")
