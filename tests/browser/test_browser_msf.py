"""Multi-source feedback in a browser: the trainee starts a round and nominates the minimum of raters (their own
address refused), each rater answers through the one-time link in their email (one on a phone), the educational
supervisor reads the collated feedback, comments and releases it, and the trainee reads it as a signed MSF. Every step
passes axe-core at both widths and fits a 360 px screen."""

from __future__ import annotations

import re

GROUPS = ["consultant"] * 3 + ["theatre"] * 3 + ["nurse"] * 3 + ["ahp"] * 3
QUESTIONS = ("clinical", "safety", "communication", "teamwork", "trust")
PRAISE = "Explains plans clearly to the whole team"


def nominate(tab, name: str, email: str, group: str) -> None:
    tab.page.get_by_label("Rater's name").fill(name)
    tab.page.get_by_label("Rater's email address").fill(email)
    tab.page.get_by_label("Staff group", exact=True).select_option(group)
    tab.page.get_by_role("button", name="Nominate and send the link").click()
    tab.page.wait_for_load_state("load")


def answer(tab, link: str, comment: str, check_as: str | None = None) -> None:
    tab.page.goto(link)
    assert "Feedback for" in tab.page.locator("h1").inner_text()
    if check_as:
        tab.check(check_as)
    for key in QUESTIONS:
        tab.page.locator(f"input[name=q_{key}][value=meets]").check()
    tab.page.get_by_label("What does this doctor do well?").fill(comment)
    tab.page.get_by_role("button", name="Send my feedback").click()
    assert tab.path == "/msf/rate/done", tab.path


def test_a_round_from_nomination_to_release(browsing, live_server, mail):
    trainee = browsing.sign_in("trainee")
    trainee.page.get_by_role("link", name="MSF").first.click()
    assert trainee.path == "/msf/", trainee.path
    trainee.check("MSF rounds (trainee)")
    trainee.page.get_by_role("button", name="Start a new round").click()
    trainee.page.get_by_label("Placement or period").fill("Pain clinic, winter placement")
    trainee.check("start a round (trainee)")
    trainee.page.get_by_role("button", name="Start the round").click()
    assert re.fullmatch(r"/msf/\d+", trainee.path), trainee.path
    round_path = trainee.path

    trainee.expect_refusal(400)
    nominate(trainee, "Myself", "trainee@example.org", "consultant")
    assert "your own email address" in trainee.page.locator(".nhsuk-error-summary").inner_text()
    trainee.check("own address refused (trainee)")
    raters = [(f"Colleague {i}", f"msf.rater{i}@nhs.example", group) for i, group in enumerate(GROUPS)]
    for name, email, group in raters:
        nominate(trainee, name, email, group)
        assert f"{name} nominated" in trainee.flash_text()
    trainee.check("twelve raters nominated (trainee)")

    live_server.cli("send-outbox")  # what cron runs; each rater's one-time link is minted as their email leaves
    links = {}
    for _name, email, _group in raters:
        [message] = mail.to(email)
        links[email] = re.search(r"https?://\S+/msf/rate/[A-Za-z0-9_-]+", message.get_content()).group(0)

    desk, phone = browsing.open("rater"), browsing.open("rater on a phone", width="phone")
    for index, (_name, email, _group) in enumerate(raters[:10]):
        tab = phone if index == 0 else desk
        check_as = "questionnaire on a phone (rater)" if index == 0 else ("questionnaire (rater)" if index == 1 else None)
        answer(tab, links[email], f"{PRAISE} ({index})", check_as)
    phone.check("thank you (rater on a phone)")
    phone.expect_refusal(410)
    phone.page.goto(links[raters[0][1]])
    assert "already been used" in phone.page.locator("main").inner_text()
    phone.check("used link (rater on a phone)")

    trainee.goto(round_path)
    page = trainee.page.locator("main").inner_text()
    assert "Ready to release" in page and PRAISE not in page
    trainee.check("ready to release, no answers shown (trainee)")

    supervisor = browsing.sign_in("supervisor")
    supervisor.page.get_by_role("link", name="MSF").first.click()
    supervisor.page.get_by_role("link", name="Pain clinic, winter placement").first.click()
    assert f"{PRAISE} (4)" in supervisor.page.locator("main").inner_text()
    supervisor.check("collated feedback (supervisor)")
    supervisor.page.get_by_label("Release the feedback to the trainee: it counts as their MSF").check()
    supervisor.page.get_by_label("Your comments for the trainee").fill("Consistently strong feedback. Keep it up.")
    supervisor.page.get_by_role("button", name="Record decision").click()
    assert "It counts as their MSF" in supervisor.flash_text()
    supervisor.check("released (supervisor)")

    trainee.goto(round_path)
    page = trainee.page.locator("main").inner_text()
    assert f"{PRAISE} (7)" in page and "Keep it up." in page and "Colleague 7" in page
    trainee.check("released feedback (trainee)")
    trainee.page.get_by_role("link", name="the signed MSF entry in the logbook").click()
    assert "Signed off" in trainee.page.locator("main").inner_text()
    trainee.check("the MSF entry it made (trainee)")
