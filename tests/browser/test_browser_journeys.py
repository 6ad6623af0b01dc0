"""The product's main journeys in a real browser, every page checked with axe-core at desktop and phone widths:
a trainee logs a DOPS and asks for sign-off, the supervisor signs it, the trainee's stage progress moves, the director's
cohort dashboard and its CSV export show it; and an outside assessor signs through the one-time link in their email."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from tests.browser.pages import Tab

NHS_NUMBER = "943 476 5919"  # passes the modulus-11 check, so the identifier checker must refuse it


# --- what the pages show -------------------------------------------------------------------------------------------


def _evidence_in_place(text: str) -> int:
    """The required evidence items in place, from "Evidence: 21 of 24 required items in place" (beside the bar, which
    counts competencies complete: one signed DOPS moves the evidence, not always a competency)."""
    return int(re.search(r"Evidence: (\d+) of \d+ required", text).group(1))


def stage_percent(tab: Tab) -> int:
    return _evidence_in_place(tab.page.locator("dl").first.inner_text())


def dashboard_percent(tab: Tab) -> int:
    return _evidence_in_place(tab.page.locator("main .nhsuk-card").first.inner_text())


def competency_needing(tab: Tab, what: str) -> str:
    """The code of the first competency on this stage page whose "Still needed" column mentions `what`."""
    for row in tab.page.locator("main table tbody tr").all():
        if what in row.locator("td").nth(2).inner_text():
            return row.locator("a strong").inner_text().strip()
    raise AssertionError(f"no competency on {tab.path} still needs {what}: the demo data changed")


def cohort_row(tab: Tab, name: str):
    row = tab.page.locator("table.app-cohort-table tbody tr").filter(has=tab.page.get_by_role("link", name=name))
    assert row.count() == 1, f"{name} is not on the cohort dashboard page"
    percent = float(row.locator("progress").get_attribute("value"))
    pending = int(re.match(r"\s*(\d+)", row.locator("td").nth(4).inner_text()).group(1))
    return percent, pending


# --- steps ---------------------------------------------------------------------------------------------------------


def open_new_evidence_form(tab: Tab) -> None:
    tab.page.get_by_role("link", name="Logbook").first.click()
    tab.check("logbook")
    tab.page.get_by_role("link", name="Record evidence").click()
    assert tab.path.startswith("/logbook/new")


def fill_dops(tab: Tab, *, code: str, title: str, notes: str) -> None:
    page = tab.page
    page.get_by_label("Type of evidence").select_option("wba.dops")
    page.get_by_label("Title").fill(title)
    page.get_by_label(re.compile(r"^\s*Setting")).select_option("theatre")
    page.get_by_label(re.compile(r"^\s*Hospital")).fill("St Thomas' Hospital")
    page.get_by_label(re.compile(r"^\s*Supervision level")).select_option("3")
    page.get_by_label(re.compile(r"^\s*Procedure technique")).select_option("medial_branch_block")
    page.get_by_label(re.compile(r"^\s*Guidance")).select_option("xray")
    box = page.locator(f"#competency-{code}")
    if not box.is_visible():  # other stages' competencies sit in closed groups below the current stage's
        page.locator("details.app-competency-group").filter(has=box).locator("summary").click()
    box.check()
    page.get_by_label(re.compile(r"^\s*Notes")).fill(notes)


def sign_decision(tab: Tab, level: str, feedback: str) -> None:
    tab.page.get_by_label("Sign off", exact=True).check()
    tab.page.get_by_label(re.compile(rf"^\s*{level.upper()} – ")).check()
    tab.page.get_by_label(re.compile(r"^\s*Feedback")).fill(feedback)
    tab.page.get_by_role("button", name="Record decision").click()


# --- journeys ------------------------------------------------------------------------------------------------------


def test_dops_from_logging_to_signature_to_stage_progress_and_cohort_export(browsing):
    title = "DOPS: lumbar medial branch blocks under X-ray"
    trainee = browsing.sign_in("samuel")
    trainee.page.get_by_role("link", name="Dashboard").first.click()
    dashboard_before = dashboard_percent(trainee)
    trainee.check("dashboard before the DOPS (trainee)")
    trainee.page.get_by_role("link", name=re.compile("What is still needed for")).click()
    assert trainee.path.startswith("/higher/"), trainee.path
    percent_before = stage_percent(trainee)
    code = competency_needing(trainee, "DOPS")
    trainee.check("stage 3 before the DOPS (trainee)")

    director = browsing.sign_in("director")
    director.page.get_by_role("link", name="Cohort").first.click()
    cohort_percent_before, pending_before = cohort_row(director, "Dr Samuel Adeyemi")
    director.check("cohort dashboard before (director)")

    # The trainee logs the DOPS; a patient's NHS number in the notes is refused with nothing else lost.
    open_new_evidence_form(trainee)
    trainee.check("record evidence")
    fill_dops(trainee, code=code, title=title, notes=f"Patient {NHS_NUMBER}: bilateral L4/5 medial branch blocks.")
    trainee.expect_refusal(400)
    with trainee.page.expect_response(lambda r: r.request.method == "POST") as answer:
        trainee.page.get_by_role("button", name="Save and send for sign-off").click()
    assert answer.value.status == 400
    assert "NHS number" in trainee.page.locator(".nhsuk-error-summary").inner_text()
    assert trainee.page.get_by_label("Title").input_value() == title, "the title typed was lost"
    assert trainee.page.locator(f"#competency-{code}").is_checked(), "the competency chosen was lost"
    trainee.check("record evidence with an NHS number in the notes")
    trainee.page.get_by_label(re.compile(r"^\s*Notes")).fill("Bilateral L4/5 medial branch blocks; consent and positioning.")
    assert trainee.page.get_by_label("Dr James Whitfield (educational supervisor)").is_checked()  # the one supervisor
    trainee.page.get_by_role("button", name="Save and send for sign-off").click()
    assert "asked Dr James Whitfield to sign it off" in trainee.flash_text()
    trainee.check("sign-off requested (trainee)")

    director.page.reload()
    assert cohort_row(director, "Dr Samuel Adeyemi")[1] == pending_before + 1, "the new request is not counted as pending"

    supervisor = browsing.sign_in("supervisor")
    supervisor.page.get_by_role("link", name="Sign-off queue").first.click()
    supervisor.check("sign-off queue (supervisor)")
    supervisor.page.get_by_role("link", name=title).click()
    supervisor.check("sign-off request (supervisor)")
    sign_decision(supervisor, "3", "Good ergonomics and a safe no-touch technique. Next: radiofrequency.")
    assert f"Signed off {title}" in supervisor.flash_text()
    assert supervisor.page.get_by_role("link", name=title).count() == 0, "the signed request is still in the queue"
    supervisor.check("sign-off queue after signing (supervisor)")

    # The trainee hears of the decision, then sees the stage move on the dashboard and the stage page.
    trainee.page.get_by_role("link", name=re.compile("^Notifications")).first.click()
    notice = trainee.page.locator("main li.nhsuk-card").filter(has_text=title).filter(has_text=re.compile("signed", re.I))
    assert notice.count() >= 1, "no notification of the sign-off"
    trainee.check("notifications after the sign-off (trainee)")
    notice.first.get_by_role("button", name="Open").click()
    assert "Signed off" in trainee.page.locator("main").inner_text()
    trainee.check("signed DOPS opened from the notification (trainee)")
    trainee.page.get_by_role("link", name="Dashboard").first.click()
    assert dashboard_percent(trainee) > dashboard_before, "the dashboard did not move after the sign-off"
    trainee.check("dashboard after the sign-off (trainee)")
    trainee.page.get_by_role("link", name=re.compile("What is still needed for")).click()
    assert stage_percent(trainee) > percent_before, "the stage progress did not move after the sign-off"
    row = trainee.page.locator("main table tbody tr").filter(has=trainee.page.locator(f"a:has(strong:text-is('{code}'))"))
    assert "DOPS" not in row.locator("td").nth(2).inner_text()
    trainee.check("stage 3 after the sign-off (trainee)")

    director.page.reload()
    cohort_percent, pending = cohort_row(director, "Dr Samuel Adeyemi")
    assert cohort_percent > cohort_percent_before and pending == pending_before
    director.check("cohort dashboard after (director)")
    with director.page.expect_download() as download:
        director.page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    exported = next(r for r in rows if r["Name"] == "Dr Samuel Adeyemi")
    assert float(exported["Required evidence items in place (%)"]) == cohort_percent
    assert int(exported["Pending sign-offs"]) == pending
    director.page.get_by_role("link", name="Dr Samuel Adeyemi").click()
    assert title in director.page.locator("main").inner_text(), "the trainee review does not list the signed DOPS"
    director.check("trainee review (director)")


def test_outside_assessor_signs_once_through_the_emailed_link(browsing, live_server, mail):
    title = "DOPS: caudal epidural with an outside assessor"
    assessor_email = "dr.visiting@example.nhs.uk"
    trainee = browsing.sign_in("trainee")
    open_new_evidence_form(trainee)
    fill_dops(trainee, code="SIA_PM_C", title=title, notes="Caudal epidural under X-ray, assessed by a visiting consultant.")
    trainee.page.get_by_label(re.compile(r"^\s*Procedure technique")).select_option("caudal_epidural")
    trainee.page.get_by_label("An outside assessor without an account (you give their email next)").check()
    trainee.page.get_by_role("button", name="Save and send for sign-off").click()
    trainee.page.get_by_label("An outside assessor without an account (by email)").check()
    trainee.expect_refusal(400)
    trainee.page.get_by_role("button", name="Ask for sign-off").click()
    trainee.page.wait_for_load_state("load")
    assert trainee.page.locator(".nhsuk-error-summary").count() == 1, "an assessor without an email was accepted"
    trainee.check("ask an assessor without an email")
    trainee.page.get_by_label("Outside assessor's email address").fill(assessor_email)
    trainee.page.get_by_role("button", name="Ask for sign-off").click()
    assert f"Sign-off requested from {assessor_email}" in trainee.flash_text()
    trainee.check("assessor request waiting for the mail run (trainee)")

    live_server.cli("send-outbox")  # what cron runs; mints the one-time token as the email leaves
    [message] = mail.to(assessor_email)
    link = re.search(r"https?://\S+/signoff/assessor/[A-Za-z0-9_-]+", message.get_content()).group(0)

    assessor = browsing.open("assessor")
    assessor.page.goto(link)
    assert title in assessor.page.locator("main").inner_text()
    assessor.check("assessor link")
    assessor.page.get_by_label("Your full name").fill("Dr Ngozi Eze")
    assessor.page.get_by_label("Your GMC number").fill("12345")
    assessor.expect_refusal(400)
    sign_decision(assessor, "2b", "Confident landmark and X-ray technique.")
    assert "7 digits" in assessor.page.locator(".nhsuk-error-summary").inner_text()
    assert assessor.page.get_by_label("Your full name").input_value() == "Dr Ngozi Eze"
    assessor.check("assessor link with a short GMC number")
    assessor.page.get_by_label("Your GMC number").fill("4567123")
    sign_decision(assessor, "2b", "Confident landmark and X-ray technique.")
    assert assessor.path.startswith("/signoff/assessor/done")
    assessor.check("assessor thank you")

    assert assessor.goto(link.replace(live_server.url, ""), expect_status=410)
    assert "already been used" in assessor.page.locator("main").inner_text()
    assessor.check("assessor link used twice")

    trainee.page.get_by_role("link", name="Sign-off requests").first.click()
    trainee.check("sign-off requests (trainee)")
    trainee.page.get_by_role("link", name=title).click()
    assert "Dr Ngozi Eze" in trainee.page.locator("main").inner_text()
    trainee.check("assessor signature seen by the trainee")


def test_a_forgotten_password_is_reset_through_the_emailed_link(browsing, live_server, mail):
    from trainee_portal.extensions import db
    from trainee_portal.models import User
    from trainee_portal.platform.passwords import hash_password

    email, new_password = "rosa.lindqvist@example.nhs.uk", "heather-compass-lantern-58"
    with live_server.app.app_context():
        user = User(email=email, name="Dr Rosa Lindqvist", password_hash=hash_password("an-old-forgotten-passphrase"))
        user.set_roles(["supervisor"])
        db.session.add(user)
        db.session.commit()

    tab = browsing.open("forgetful supervisor")
    tab.goto("/login")
    tab.page.get_by_role("link", name="Forgot your password?").click()
    tab.check("forgot password")
    tab.page.get_by_label("Email address").fill(email)
    tab.page.get_by_role("button", name="Send the link").click()
    assert "Check your email" in tab.page.locator("main").inner_text()
    tab.check("reset link requested")

    live_server.cli("send-outbox")  # mints the single-use token as the email leaves
    [message] = mail.to(email)
    link = re.search(r"https?://\S+/password/reset/[A-Za-z0-9_-]+", message.get_content()).group(0)
    assert link.startswith(live_server.url + "/"), "the link comes from PUBLIC_BASE_URL"

    tab.page.goto(link)
    tab.check("choose a new password")
    for password in ("Lindqvist2026!!", new_password):
        tab.page.get_by_label("New password", exact=True).fill(password)
        tab.page.get_by_label("Confirm new password").fill(password)
        if password != new_password:
            tab.expect_refusal(400)
        tab.page.get_by_role("button", name="Save new password").click()
        if password != new_password:
            assert "from your name or email address" in tab.page.locator(".nhsuk-error-summary").inner_text()
            tab.check("new password built from the name")
    assert tab.path == "/login" and "Sign in with your new password" in tab.flash_text()
    tab.page.get_by_label("Email address").fill(email)
    tab.page.get_by_label("Password").fill(new_password)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_load_state("load")
    assert tab.path == "/"

    again = browsing.open("someone with the old email")
    assert again.goto(link.replace(live_server.url, ""), expect_status=410)
    assert "already been used" in again.page.locator("main").inner_text()
    again.check("reset link used twice")
