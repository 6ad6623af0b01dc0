"""Signing away from the portal's own sign-in, in a real browser at desktop and phone widths (axe-core clean):
the supervisor sets a sign-off PIN in their account, then signs in person on the trainee's phone (a wrong PIN first);
and a trainee whose outside assessor's link expired sends a new one, which the assessor follows from the email while
the old link says it no longer works."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.browser.pages import DEMO, Tab

PIN = "480915"


def pending_request(live_server, title: str, *, assessor_email: str | None = None) -> int:
    """A submitted entry of the demo trainee with a request to their supervisor (or an outside assessor), made
    through the sign-off service as the request form makes it."""
    from sqlalchemy import func, select

    from tests.factories import EvidenceFactory
    from trainee_portal.extensions import db
    from trainee_portal.models import User
    from trainee_portal.signoff import services

    with live_server.app.app_context():
        trainee = db.session.scalar(select(User).where(func.lower(User.email) == DEMO["trainee"]))
        supervisor = db.session.scalar(select(User).where(func.lower(User.email) == DEMO["supervisor"]))
        entry = EvidenceFactory(trainee=trainee, title=title, notes="Anonymised account of the clinic.")
        if assessor_email:
            made = services.request_signoff(trainee, entry, assessor_email=assessor_email)
        else:
            made = services.request_signoff(trainee, entry, supervisor=supervisor)
        db.session.commit()
        return made.id


def expire_link(live_server, request_id: int) -> None:
    from trainee_portal.extensions import db
    from trainee_portal.models import SignOffRequest
    from trainee_portal.platform.clock import utcnow

    with live_server.app.app_context():
        db.session.get(SignOffRequest, request_id).expires_at = utcnow() - timedelta(hours=1)
        db.session.commit()


def open_request(tab: Tab, title: str) -> None:
    tab.goto("/signoff/mine")
    tab.page.get_by_role("link", name=title).first.click()
    assert tab.path.startswith("/signoff/requests/"), tab.path


def test_supervisor_signs_in_person_on_the_trainees_phone(browsing, live_server):
    title = "Pain clinic signed in person"
    request_id = pending_request(live_server, title)

    supervisor = browsing.sign_in("supervisor", width="phone")
    supervisor.goto("/account/signing-pin")
    assert "You have no PIN" in supervisor.page.locator("main").inner_text()
    supervisor.check("sign-off PIN: none yet (supervisor)")
    supervisor.page.get_by_label("Your password").first.fill("pain-demo-2026")
    supervisor.page.get_by_label("New sign-off PIN").fill("123456")
    supervisor.page.get_by_label("Confirm the PIN").fill("123456")
    supervisor.expect_refusal(400)
    supervisor.page.get_by_role("button", name="Set PIN").click()
    assert "run of digits" in supervisor.page.locator(".nhsuk-error-summary").inner_text()
    supervisor.check("sign-off PIN: a run of digits refused")
    supervisor.page.get_by_label("Your password").first.fill("pain-demo-2026")
    supervisor.page.get_by_label("New sign-off PIN").fill(PIN)
    supervisor.page.get_by_label("Confirm the PIN").fill(PIN)
    supervisor.page.get_by_role("button", name="Set PIN").click()
    assert "Your sign-off PIN is set" in supervisor.flash_text()
    supervisor.check("sign-off PIN set")

    trainee = browsing.sign_in("trainee", width="phone")
    open_request(trainee, title)
    trainee.check("pending request offers signing in person (trainee)")
    trainee.page.get_by_role("link", name="Sign in person").click()
    assert trainee.path == f"/signoff/requests/{request_id}/in-person"
    assert title in trainee.page.locator("main").inner_text()
    pin = trainee.page.get_by_label("Your sign-off PIN")
    assert pin.get_attribute("type") == "password" and pin.get_attribute("inputmode") == "numeric"
    assert pin.get_attribute("autocomplete") == "off"
    trainee.check("sign in person (the supervisor at the trainee's phone)")
    trainee.page.get_by_label(re.compile(r"^\s*3 – ")).check()
    trainee.page.get_by_label(re.compile(r"^\s*Feedback")).fill("Clear history and a sensible plan.")
    pin.fill("000111")
    trainee.expect_refusal(400)
    trainee.page.get_by_role("button", name="Sign off").click()
    assert "The PIN is not right" in trainee.page.locator(".nhsuk-error-summary").inner_text()
    assert trainee.page.get_by_label("Your sign-off PIN").input_value() == ""  # never sent back
    trainee.check("sign in person with a wrong PIN")
    trainee.page.get_by_label(re.compile(r"^\s*3 – ")).check()
    trainee.page.get_by_label("Your sign-off PIN").fill(PIN)
    trainee.page.get_by_role("button", name="Sign off").click()
    assert "Signed off in person by" in trainee.flash_text()
    assert "in person with their sign-off PIN" in trainee.page.locator("main").inner_text()
    assert PIN not in trainee.page.content()
    trainee.check("signed in person (trainee)")
    supervisor.goto("/account/signing-pin")  # the demo supervisor ends as the other journeys expect: without a PIN
    supervisor.page.get_by_label("Your password").nth(1).fill("pain-demo-2026")
    supervisor.page.get_by_role("button", name="Remove PIN").click()
    assert "Your sign-off PIN is removed" in supervisor.flash_text()


def test_trainee_sends_a_new_link_when_the_assessors_link_expired(browsing, live_server, mail):
    title = "Pain clinic for a visiting assessor"
    assessor_email = "dr.reissue@example.nhs.uk"
    request_id = pending_request(live_server, title, assessor_email=assessor_email)
    live_server.cli("send-outbox")
    [first] = mail.to(assessor_email)
    old_link = re.search(r"https?://\S+/signoff/assessor/[A-Za-z0-9_-]+", first.get_content()).group(0)
    expire_link(live_server, request_id)

    trainee = browsing.sign_in("trainee", width="phone")
    open_request(trainee, title)
    assert "link expired" in trainee.page.locator("main").inner_text()
    trainee.check("expired assessor link (trainee)")
    trainee.page.get_by_role("button", name="Send a new link").click()
    assert "The old link no longer works" in trainee.flash_text()
    trainee.check("new assessor link on its way (trainee)")

    live_server.cli("send-outbox")
    second = mail.to(assessor_email)[-1]
    new_link = re.search(r"https?://\S+/signoff/assessor/[A-Za-z0-9_-]+", second.get_content()).group(0)
    assert new_link != old_link

    assessor = browsing.open("assessor", width="phone")
    assessor.goto(old_link.replace(live_server.url, ""), expect_status=410)
    assert "no longer works" in assessor.page.locator("main").inner_text()
    assessor.check("replaced assessor link")
    assessor.page.goto(new_link)
    assert title in assessor.page.locator("main").inner_text()
    assessor.check("new assessor link")
    assessor.page.get_by_label("Your full name").fill("Dr Amara Okafor")
    assessor.page.get_by_label("Your GMC number").fill("4567123")
    assessor.page.get_by_label("Sign off", exact=True).check()
    assessor.page.get_by_label(re.compile(r"^\s*2B – ")).check()
    assessor.page.get_by_role("button", name="Record decision").click()
    assert assessor.path.startswith("/signoff/assessor/done")
    assessor.check("assessor thank you after a new link")
