"""The administrator's home answers "what needs attention" at 1280 and 360 px: the account awaiting first sign-in,
the curriculum draft and the email not sent (each a link to its list) and the backup's age; axe clean, no console
errors."""

from __future__ import annotations

import re

from tests.browser.test_browser_home_supervisor import _shots


def test_admin_home_says_what_needs_attention_and_each_count_opens_its_list(browsing):
    tab = browsing.sign_in("admin")
    page = tab.page
    tab.goto("/")
    tab.check("admin home")
    _shots(tab, "admin-home")
    main = page.locator("main")
    assert page.get_by_role("heading", name="What needs attention").is_visible()
    assert "No backup yet on this server" in main.inner_text() or "Latest backup" in main.inner_text()

    main.get_by_role("link", name=re.compile(r"^1 account awaiting first sign-in")).click()
    page.wait_for_load_state("load")
    assert "status=awaiting-sign-in" in tab.path
    assert "Dr Ben Carter" in main.inner_text() and "1 account." in main.inner_text()
    tab.check("users awaiting first sign-in")

    tab.goto("/")
    main.get_by_role("link", name=re.compile(r"^1 email not sent")).click()
    page.wait_for_load_state("load")
    assert tab.path == "/admin/outbox"
    assert "ben.carter@example.org" in main.inner_text() and "SMTPRecipientsRefused" in main.inner_text()
    tab.check("emails not sent")
    _shots(tab, "admin-outbox")

    tab.goto("/")
    main.get_by_role("link", name=re.compile(r"^1 curriculum draft waiting")).click()
    page.wait_for_load_state("load")
    assert tab.path == "/admin/curricula"
    assert "2021.1" in main.inner_text()
    tab.check("curriculum drafts from the admin home")
