"""The demo's exam data gives every exam page content: a fail then a pass, open sittings, and a full pipeline."""

from __future__ import annotations

from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD


def _sign_in(client, local):
    assert client.post("/login", data={"email": f"{local}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}).status_code == 302


def test_demo_exam_pages_have_content_for_trainee_and_directors(app, client):
    load_demo()
    _sign_in(client, "trainee")
    page = client.get("/exams/").data.decode()
    assert "1 of 6" in page and "2 of 6" in page and "Fail" in page and "Pass" in page
    assert "No confirmation recorded yet" in page and "Regional FFPMRCA revision day" in page
    assert "Projected Fellowship date" in page
    client.post("/logout")
    _sign_in(client, "director")
    pipeline = client.get("/exams/pipeline").data.decode()
    assert "Dr Owen Price" in pipeline.split("MCQ pass expiring")[0]  # confirmed by the RAPM, eligible for the SOE
    assert "Dr Samuel Adeyemi" in pipeline.split("MCQ pass expiring")[1].split("On their last attempts")[0]
    assert "next MCQ attempt is number 5" in pipeline
    client.post("/logout")
    _sign_in(client, "director.nw")
    assert "attempt 6: evidence of extra educational training needed" in client.get("/exams/pipeline").data.decode()
