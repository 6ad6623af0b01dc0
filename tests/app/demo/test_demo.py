"""The demo data: every demo role signs in and sees the four stage pages with real statuses."""

from __future__ import annotations

import pytest

from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD

ROLES = ["trainee", "trainee2010", "supervisor", "director", "director.nw", "admin"]


@pytest.fixture
def demo(app):
    load_demo()


@pytest.mark.parametrize("local", ROLES)
def test_each_demo_role_signs_in_and_sees_the_stage_pages(client, demo, local):
    response = client.post("/login", data={"email": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    for level in ("basic", "intermediate", "higher", "advanced"):
        page = client.get(f"/{level}/")
        assert page.status_code == 200
        text = page.data.decode()
        if local.startswith("trainee"):
            assert "competencies complete" in text and ("Complete" in text or "Not started" in text)
        else:
            assert "Trainee" in text  # the picker


def test_demo_supervisor_sees_a_trainees_real_progress(client, demo):
    client.post("/login", data={"email": f"supervisor@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    picker = client.get("/higher/").data.decode()
    assert "Dr Aisha Khan" in picker and "Dr Fiona Campbell" not in picker  # North West is not theirs
    import re

    trainee_id = re.search(r'value="(\d+)"[^>]*>Dr Aisha Khan', picker).group(1)
    page = client.get(f"/higher/?trainee={trainee_id}").data.decode()
    assert "Stage 3" in page and "In progress" in page and "Complete" in page


def test_demo_data_passes_verify_audit_without_warnings(app, demo):
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert "Audit OK" in result.output and "WARNING" not in result.output and "attachments: 1" in result.output


def test_demo_shows_every_kind_of_signature_and_the_supervisor_has_one_to_confirm(client, demo):
    from sqlalchemy import select

    from trainee_portal import audit
    from trainee_portal.extensions import db
    from trainee_portal.models import SignOff

    kinds = set(db.session.scalars(select(SignOff.assurance).where(SignOff.voided_at.is_(None))))
    assert kinds == {"supervisor", "trusted_domain", "confirmed", "unconfirmed"}
    for signoff in db.session.scalars(select(SignOff).where(SignOff.voided_at.is_(None))):
        counts = signoff.assurance != "unconfirmed"
        assert signoff.evidence.status == ("signed" if counts else "submitted")
    assert audit.verify_chain().ok
    client.post("/login", data={"email": f"supervisor@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    queue = client.get("/signoff/").data.decode()
    assert "signatures to confirm" in queue and "Dr Marco Bianchi" in queue


def test_demo_scotland_carries_the_scottish_guidance_as_local_rules_on_its_trainees_pages(client, demo):
    import re

    client.post("/login", data={"email": f"director.scot@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    index = client.get("/rules/").data.decode()
    region_id = re.search(r'href="/rules/regions/(\d+)">Scotland', index).group(1)
    rules = client.get(f"/rules/regions/{region_id}").data.decode()
    assert "at least 8 consultant-supervised acute pain rounds" in rules and "version 2" in rules
    assert "The programme&#39;s own suggestion (no published source, set by the Scotland programme, version 2)" in rules
    picker = client.get("/basic/").data.decode()
    trainee_id = re.search(r'value="(\d+)"[^>]*>Dr Isla Fraser', picker).group(1)
    page = client.get(f"/basic/competency/S1_PM_01?trainee={trainee_id}").data.decode()
    assert "Local rule (Scottish guidance for basic level pain medicine training [SCOT], version 1)" in page
