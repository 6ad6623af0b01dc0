"""The demo data holds a London ARCP panel five weeks ahead: the demo trainee sees it on /arcp, the director on /panels."""

from __future__ import annotations

from tests.support.clients import Browser
from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD


def signed_in(app, local):
    client = Browser(app)
    assert client.post("/login", data={"email": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}).status_code == 302
    return client


def test_the_demo_trainee_and_director_see_the_demo_panel(app):
    load_demo()
    page = signed_in(app, "trainee").get("/arcp").get_data(as_text=True)
    assert "Your next ARCP panel" in page and "data-readiness=" in page
    director = signed_in(app, "director")
    page = director.get("/panels").get_data(as_text=True)
    assert "London ARCP panel (ST6)" in page
    assert "London ARCP panel (ST6)" not in signed_in(app, "director.nw").get("/panels").get_data(as_text=True)
