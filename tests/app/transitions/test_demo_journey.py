"""The demo's move, as a new user would make it: the administrator moves trainee2010 (2010 Advanced) to 2021 and
sees the signed evidence counted on the new stages; the demo's already-moved trainee shows the same."""

from __future__ import annotations

import re

import pytest

from tests.support import clock
from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD, by_email
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProgress


@pytest.fixture
def demo(app):
    load_demo()


def sign_in(client, local):
    client.post("/logout")
    assert client.post("/login", data={"email": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}).status_code == 302


def cohort_row(page, name):
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_admin_moves_trainee2010_and_sees_the_signed_evidence_on_the_2021_stages(client, demo):
    trainee = by_email("trainee2010")
    assert trainee.trainee_profile.curriculum_version == "2010"
    sign_in(client, "admin")
    user_page = client.get(f"/admin/users/{trainee.id}").data.decode()
    form_url = re.search(r'href="(/transitions/\d+)"', user_page).group(1)
    form = client.get(form_url).data.decode()
    assert 'value="2021" selected' in form  # the one version a mapping leads to is offered first
    response = client.post(form_url, data={"to_version": "2021", "effective_on": clock.today().isoformat(), "note": ""})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).data.decode()
    assert "now follows the 2021 curriculum" in page and "Carried over from the 2010 curriculum" in page
    assert "signed" in page and "SIA_PM_" in page
    for stage_key in ("stage-1", "stage-2", "stage-3", "sia-pain"):  # earlier 2010 stages were complete and signed
        assert db.session.get(TraineeProgress, (trainee.id, stage_key)).percent > 0
    sign_in(client, "director")
    assert 'data-flag="behind"' not in cohort_row(client.get("/cohort").data.decode(), "Dr Tom Reid")


def test_the_demo_has_a_trainee_already_moved(client, demo):
    moved = by_email("trainee.moved")
    assert moved.trainee_profile.curriculum_version == "2021"
    sign_in(client, "trainee.moved")
    page = client.get("/advanced/").data.decode()
    assert "Carried over from the 2010 curriculum" in page and "not an official table" in page
    sign_in(client, "director")
    assert 'data-flag="behind"' not in cohort_row(client.get("/cohort").data.decode(), "Dr Hannah Moss")
