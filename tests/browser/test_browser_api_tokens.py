"""Personal access tokens in a browser: the trainee opens their API tokens from the header, creates one and sees its
secret once (copied with the button), finds only its first characters on the list afterwards, and revokes it; an
administrator revokes another of the trainee's tokens, and the trainee sees who did. Every page passes axe-core at
both widths and fits a 360 px screen."""

from __future__ import annotations

import re

from tests.browser.pages import DEMO

SECRET = re.compile(r"ptp_[A-Za-z0-9_-]{43}")


def _create(tab, name: str, scopes: tuple[str, ...]) -> str:
    tab.page.get_by_label("Name", exact=True).fill(name)
    for label in scopes:
        tab.page.get_by_label(label, exact=True).check()
    tab.page.locator("input[name=lifetime][value='30']").check()
    tab.page.get_by_role("button", name="Create token").click()
    tab.page.wait_for_load_state("load")
    return tab.page.locator("#token-secret").input_value().strip()


def _authenticates(live_server, secret: str) -> bool:
    from trainee_portal.auth import tokens
    from trainee_portal.extensions import db

    with live_server.app.app_context():
        found = tokens.authenticate(secret) is not None
        db.session.remove()
    return found


def test_create_see_once_copy_and_revoke(browsing, live_server):
    trainee = browsing.sign_in("trainee")
    trainee.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    trainee.page.get_by_role("link", name="API tokens").first.click()
    assert trainee.path == "/account/tokens", trainee.path
    offered = trainee.page.locator("input[name=scopes]").evaluate_all("els => els.map(e => e.value)")
    assert offered == ["read", "evidence:write"], offered
    trainee.check("API tokens (trainee)")

    trainee.expect_refusal(400)
    trainee.page.get_by_label("Name", exact=True).fill("Rota app")
    trainee.page.get_by_role("button", name="Create token").click()
    assert "Choose at least one scope." in trainee.page.locator(".nhsuk-error-summary").inner_text()
    assert trainee.page.get_by_label("Name", exact=True).input_value() == "Rota app", "the name typed is kept"
    trainee.check("no scope chosen (trainee)")

    secret = _create(trainee, "Rota app", ("Read", "Write evidence"))
    assert SECRET.fullmatch(secret), secret
    assert trainee.path == "/account/tokens"
    assert "will not be shown again" in trainee.page.locator(".nhsuk-card--warning").inner_text()
    assert f'Authorization: Bearer {secret}" {live_server.url}/api/v1/me' in trainee.page.locator("pre").inner_text()
    trainee.page.get_by_role("button", name="Copy the token").click()
    trainee.page.wait_for_function("() => document.querySelector('[data-copy-status]').textContent.startsWith('Copied')")
    assert trainee.page.evaluate("() => navigator.clipboard.readText()") == secret
    trainee.check("new token shown once (trainee)")
    assert _authenticates(live_server, secret)

    trainee.goto("/account/tokens")
    listing = trainee.page.content()
    assert secret not in listing and not SECRET.search(listing), "the list never shows a secret again"
    row = trainee.page.locator("tr", has_text="Rota app")
    assert f"{secret[:12]}…" in row.inner_text() and "Live" in row.inner_text() and "Never" in row.inner_text()
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    trainee.page.wait_for_load_state("load")
    assert "is revoked" in trainee.flash_text()
    row = trainee.page.locator("tr", has_text="Rota app")
    assert "Revoked" in row.inner_text() and row.get_by_role("button").count() == 0
    trainee.check("token revoked (trainee)")
    assert not _authenticates(live_server, secret)


def test_an_administrator_revokes_a_trainees_token_and_the_trainee_sees_who(browsing, live_server):
    trainee = browsing.sign_in("trainee")
    trainee.goto("/account/tokens")
    secret = _create(trainee, "Logbook sync", ("Read",))
    assert _authenticates(live_server, secret)

    admin = browsing.sign_in("admin")
    admin.goto("/admin")
    admin.page.get_by_role("link", name="API tokens").last.click()
    assert admin.path == "/admin/tokens", admin.path
    admin.page.get_by_label("Owner's email contains").fill(DEMO["trainee"])
    admin.page.get_by_role("button", name="Search").click()
    admin.page.wait_for_load_state("load")
    row = admin.page.locator("tr", has_text="Logbook sync")
    assert DEMO["trainee"] in row.inner_text()
    admin.check("every token (admin)")
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    admin.page.wait_for_load_state("load")
    assert "they have been told" in admin.flash_text()
    admin.check("token revoked (admin)")
    assert not _authenticates(live_server, secret)
    admin.goto("/admin/users?q=" + DEMO["trainee"])
    admin.page.get_by_role("link", name="Dr Aisha Khan").click()
    admin.page.wait_for_load_state("load")
    tokens_table = admin.page.locator("#api-tokens + div table")
    assert "Logbook sync" in tokens_table.inner_text() and "Revoked" in tokens_table.inner_text()
    admin.check("the trainee's tokens on their account (admin)")

    trainee.goto("/account/tokens")
    row = trainee.page.locator("tr", has_text="Logbook sync")
    assert "Revoked" in row.inner_text() and "an administrator" in row.inner_text()
    trainee.check("revoked by an administrator (trainee)")
    trainee.goto("/notifications/")
    assert "Logbook sync" in trainee.page.locator("main").inner_text()
