"""The API's interactive documentation in a browser: /api/v1/docs draws every operation from the OpenAPI document
with Swagger UI served by the portal itself (no other host is asked for anything, no CSP violation, no console
error), Authorize takes a real token, and "Try it out" on GET /api/v1/me answers 200 with the token's owner.
Screenshots at 1280 and 360 px; axe-core finds no serious violation."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.pages import DEMO
from tests.support.api import new_token


def _demo_token(live_server, who: str) -> str:
    from trainee_portal.extensions import db
    from trainee_portal.models import User

    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO[who]))
        _, secret = new_token(user, ("read",), name="Docs page")
        db.session.remove()
    return secret


def _operation(tab, operation_id: str):
    return tab.page.locator(f"#operations-Me-{operation_id}")


def _try_me(tab) -> tuple[str, str]:
    """Opens GET /api/v1/me, tries it out and returns the status and body the page shows."""
    block = _operation(tab, "me")
    block.locator(".opblock-summary-control").click()
    block.locator(".try-out__btn").click()
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    body = block.locator(".live-responses-table .response .response-col_description pre").first.inner_text()
    return status.inner_text().strip(), body


def test_the_docs_draw_every_operation_and_try_it_out_with_a_token(browsing, live_server):
    secret = _demo_token(live_server, "trainee")
    visitor = browsing.open("anonymous")
    visitor.goto("/api/v1/docs")
    visitor.page.locator(".swagger-ui .opblock").first.wait_for()
    assert visitor.page.locator("h1").first.inner_text() == "API documentation"
    assert visitor.page.get_by_role("link", name="your API tokens page").get_attribute("href") == "/account/tokens"
    assert visitor.page.locator(".swagger-ui .info .title").inner_text().startswith("Pain Medicine training portal API")
    assert _operation(visitor, "me").count() == 1, "GET /api/v1/me is drawn under its tag"
    assert visitor.page.locator(".swagger-ui .opblock-tag#operations-tag-Me").count() == 1
    visitor.check("API documentation")

    visitor.page.locator(".swagger-ui .btn.authorize").first.click()
    dialog = visitor.page.locator(".swagger-ui .dialog-ux")
    dialog.locator("input[type=text], input[type=password]").first.fill(secret)
    dialog.locator("button.modal-btn.authorize").click()
    expect(dialog.locator("button.modal-btn", has_text="Logout"), "the token was not taken").to_have_count(1)
    dialog.locator("button.btn-done").click()
    status, body = _try_me(visitor)
    assert status == "200", (status, body)
    assert '"email": "trainee@example.org"' in body and '"name": "Docs page"' in body, body
    visitor.check("API documentation after trying GET me")


def test_the_docs_fit_a_phone(browsing):
    phone = browsing.open("anonymous", width="phone")
    phone.goto("/api/v1/docs")
    phone.page.locator(".swagger-ui .opblock").first.wait_for()
    phone.check("API documentation on a phone")
