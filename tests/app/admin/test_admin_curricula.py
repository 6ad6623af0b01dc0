"""Curriculum versions: an upload with errors lists them; a valid one previews its differences, then goes live."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from competencies import CURRICULA_DIRECTORY
from tests.factories import AdminFactory, TraineeFactory
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import CurriculumUpload, TraineeProfile

SHIPPED = (CURRICULA_DIRECTORY / "pain-2021.toml").read_text(encoding="utf-8")


@pytest.fixture
def admin(app, login):
    user = AdminFactory()
    login(user)
    yield user
    curricula.registry(force=True)  # forget uploads activated by the test (the tables are emptied)


def upload(client, text: str, name: str = "pain-2026.toml"):
    return client.post("/admin/curricula", data={"file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data")


def new_version(text: str = SHIPPED) -> str:
    changed = text.replace('version = "2021"', 'version = "2026"', 1)
    first_title = changed.index("title = ", changed.index("[[stages.domains.competencies]]"))
    end = changed.index("\n", first_title)
    return changed[:first_title] + 'title = "A retitled competency"' + changed[end:]


def test_an_upload_with_errors_lists_each_problem_and_its_place(client, admin):
    broken = new_version().replace("min = 4", "min = -4", 1).replace('type = "wba.cex"', 'type = "wba.nonsense"', 1)
    response = upload(client, broken)
    page = response.data.decode()
    assert response.status_code == 400
    assert "pain-2026.toml has 2 problems" in page and "stages[0].domains[0].competencies[0].evidence[0]" in page
    assert "wba.nonsense" in page
    assert db.session.scalar(select(CurriculumUpload.id)) is None
    syntax = upload(client, "this is [not toml")
    assert syntax.status_code == 400 and "TOML syntax error" in syntax.data.decode()


@pytest.mark.parametrize(
    "name,content,message",
    [("notes.txt", "anything", "Upload a .toml curriculum file"), ("pain-2021.toml", SHIPPED, "ships with the application")],
)
def test_wrong_files_and_shipped_versions_are_refused(client, admin, name, content, message):
    response = upload(client, content, name)
    assert response.status_code == 400 and message in response.data.decode()


def test_not_utf8_and_missing_files_are_refused(client, admin):
    response = client.post(
        "/admin/curricula", data={"file": (io.BytesIO(b"\xff\xfe\x00"), "x.toml")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "not a UTF-8 text file" in response.data.decode()
    assert "Choose a curriculum file" in client.post("/admin/curricula", data={}).data.decode()


def test_a_valid_upload_previews_its_differences_then_activates(client, admin):
    response = upload(client, new_version())
    assert response.status_code == 302
    draft = db.session.scalar(select(CurriculumUpload))
    assert draft.status == "draft" and "2026" not in curricula.registry(force=True)
    preview = client.get(response.headers["Location"]).data.decode()
    assert "Differences from 2021" in preview and "Competencies changed (1)" in preview and "title changed" in preview
    assert "Stages added" not in preview
    against_2010 = client.get(f"/admin/curricula/{draft.id}?against=2010").data.decode()
    assert "Stages added" in against_2010 and "Stages removed" in against_2010
    trainee = TraineeFactory()
    db.session.get(TraineeProfile, trainee.id).curriculum_version = "2026"  # as if moved before activation
    db.session.commit()
    activated = client.post(f"/admin/curricula/{draft.id}/activate", follow_redirects=True)
    assert "Curriculum 2026 is now active" in activated.data.decode() and "1 trainee on this version" in activated.data.decode()
    assert "2026" in curricula.registry()
    db.session.refresh(draft)
    assert draft.status == "active"
    assert client.post(f"/admin/curricula/{draft.id}/activate", follow_redirects=True).data.decode().count("Only a draft") == 1


def test_a_second_upload_of_a_version_replaces_the_first(client, admin):
    first = upload(client, new_version())
    client.post(first.headers["Location"].replace("/admin/curricula/", "/admin/curricula/").rstrip("/") + "/activate")
    second = upload(client, new_version().replace("A retitled competency", "Retitled again"))
    preview = client.get(second.headers["Location"]).data.decode()
    assert "Differences from 2026" in preview and "title changed" in preview
    client.post(second.headers["Location"] + "/activate")
    statuses = sorted(db.session.scalars(select(CurriculumUpload.status)))
    assert statuses == ["active", "retired"]
    competency = next(c for c in curricula.registry(force=True).get("2026").competencies if c.title == "Retitled again")
    assert competency is not None
