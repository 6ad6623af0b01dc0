"""Administration of accounts: invitations with a one-time password, roles, deactivation, deletion rules, profiles."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests import factories as make
from tests.conftest import TEST_PASSWORD
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage, TraineeProfile, User


@pytest.fixture
def admin(app):
    return make.AdminFactory(name="Alex Admin")


def test_only_administrators_reach_administration(client, login, admin):
    for user in (make.DirectorFactory(), make.SupervisorFactory(), make.TraineeFactory()):
        login(user)
        for path in (
            "/admin",
            "/admin/users",
            "/admin/users/new",
            "/admin/curricula",
            "/admin/regions",
            "/admin/assignments",
            "/admin/scopes",
        ):
            assert client.get(path).status_code == 403, path
        assert client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}).status_code == 403
        client.post("/logout")
    assert db.session.get(User, admin.id).active


def test_invite_shows_a_temporary_password_once_and_forces_a_change(client, login, admin):
    login(admin)
    response = client.post(
        "/admin/users/new", data={"email": "New.Supervisor@nhs.net", "name": "Dr New Supervisor", "roles": ["supervisor"]}
    )
    assert response.status_code == 200
    page = response.data.decode()
    user = db.session.scalar(select(User).where(User.email == "new.supervisor@nhs.net"))
    assert user.must_change_password and user.role_names == ("supervisor",)
    temporary = page.split("<code>")[1].split("</code>")[0]
    assert len(temporary) >= 12
    assert temporary not in client.get(f"/admin/users/{user.id}").data.decode()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    assert message.category == "account.invited" and temporary not in message.body
    client.post("/logout")
    signed_in = client.post("/login", data={"email": "new.supervisor@nhs.net", "password": temporary})
    assert signed_in.status_code == 302 and "/account/password" in signed_in.headers["Location"]


def test_inviting_a_trainee_needs_a_valid_profile(client, login, admin):
    region = make.RegionFactory()
    other_cohort = make.CohortFactory()  # of another region
    login(admin)
    data = {"email": "trainee.new@nhs.net", "name": "Dr New Trainee", "roles": ["trainee"]}
    response = client.post("/admin/users/new", data=data)
    page = response.data.decode()
    assert response.status_code == 400 and "7-digit GMC number" in page and "Choose the trainee&#39;s region" in page
    assert 'value="Dr New Trainee"' in page
    data.update(
        {
            "gmc_number": "12345",
            "curriculum_version": "2021",
            "current_stage": "higher",
            "programme_start": "2024-08-07",
            "stage_started_on": "2024-01-01",
            "region_id": str(region.id),
            "cohort_id": str(other_cohort.id),
        }
    )
    page = client.post("/admin/users/new", data=data).data.decode()
    assert "exactly 7 digits" in page and "cannot start before the programme" in page and "another region" in page
    data.update({"gmc_number": "7 123 456", "stage_started_on": "2026-02-04", "cohort_id": ""})
    assert client.post("/admin/users/new", data=data).status_code == 200
    profile = db.session.scalar(select(TraineeProfile).join(User).where(User.email == "trainee.new@nhs.net"))
    assert profile.gmc_number == "7123456" and profile.region_id == region.id and profile.current_stage == "higher"


def test_duplicate_email_and_gmc_are_refused(client, login, admin):
    existing = make.TraineeFactory(email="taken@nhs.net")
    login(admin)
    response = client.post("/admin/users/new", data={"email": "TAKEN@nhs.net", "name": "Dr Copy", "roles": ["director"]})
    assert response.status_code == 400 and "already exists" in response.data.decode()
    region = make.RegionFactory()
    response = client.post(
        "/admin/users/new",
        data={
            "email": "fresh@nhs.net",
            "name": "Dr Fresh",
            "roles": ["trainee"],
            "gmc_number": existing.trainee_profile.gmc_number,
            "curriculum_version": "2021",
            "current_stage": "basic",
            "programme_start": "2025-08-06",
            "stage_started_on": "2025-08-06",
            "region_id": str(region.id),
        },
    )
    assert response.status_code == 400 and "already has this GMC number" in response.data.decode()


def test_admin_changes_roles_but_not_their_own(client, login, admin):
    person = make.SupervisorFactory()
    login(admin)
    assert client.post(f"/admin/users/{person.id}", data={"roles": ["supervisor", "director"]}).status_code == 302
    assert db.session.get(User, person.id).role_names == ("supervisor", "director")
    response = client.post(f"/admin/users/{person.id}", data={"roles": ["trainee"]})
    assert response.status_code == 400 and "Add a trainee profile" in response.data.decode()
    response = client.post(f"/admin/users/{admin.id}", data={"roles": ["trainee"]})
    assert response.status_code == 400 and "cannot change your own roles" in response.data.decode()
    assert db.session.get(User, admin.id).role_names == ("admin",)


def test_deactivated_accounts_cannot_sign_in_until_reactivated(client, login, admin):
    person = make.SupervisorFactory(email="leaving@nhs.net")
    login(admin)
    client.post(f"/admin/users/{person.id}/active", data={"active": "0"})
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})  # never yourself
    assert db.session.get(User, admin.id).active
    client.post("/logout")
    refused = client.post("/login", data={"email": "leaving@nhs.net", "password": TEST_PASSWORD})
    assert refused.status_code == 400 and "deactivated" in refused.data.decode()
    login(admin)
    client.post(f"/admin/users/{person.id}/active", data={"active": "1"})
    client.post("/logout")
    assert client.post("/login", data={"email": "leaving@nhs.net", "password": TEST_PASSWORD}).status_code == 302


def test_users_with_evidence_or_signatures_are_never_deleted(client, login, admin):
    trainee = make.TraineeFactory()
    make.CaseDiscussionFactory(trainee=trainee)
    login(admin)
    page = client.get(f"/admin/users/{trainee.id}").data.decode()
    assert "cannot be deleted" in page and "evidence entry" in page
    response = client.post(f"/admin/users/{trainee.id}/delete", follow_redirects=True)
    assert "can never be deleted" in response.data.decode()
    assert db.session.get(User, trainee.id) is not None


def test_a_user_without_records_can_be_deleted(client, login, admin):
    mistaken = make.UserFactory(email="typo@nhs.nte")
    mistaken.set_roles(["supervisor"])
    db.session.commit()
    login(admin)
    assert "Delete account" in client.get(f"/admin/users/{mistaken.id}").data.decode()
    response = client.post(f"/admin/users/{mistaken.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "typo@nhs.nte")) is None
    assert client.post(f"/admin/users/{admin.id}/delete").status_code == 302
    assert db.session.get(User, admin.id) is not None


def test_profile_edit_validates_and_saves(client, login, admin):
    trainee = make.TraineeFactory()
    login(admin)
    form = client.get(f"/admin/users/{trainee.id}/profile").data.decode()
    assert trainee.trainee_profile.gmc_number in form
    region = make.RegionFactory(name="Wessex")
    data = {
        "gmc_number": "abcdefg",
        "curriculum_version": "2010",
        "current_stage": "advanced",
        "programme_start": "2022-08-03",
        "stage_started_on": "2026-13-01",
        "region_id": str(region.id),
    }
    response = client.post(f"/admin/users/{trainee.id}/profile", data=data)
    assert response.status_code == 400 and "exactly 7 digits" in response.data.decode() and "real date" in response.data.decode()
    data.update(gmc_number="7654321", stage_started_on="2026-01-07")
    assert client.post(f"/admin/users/{trainee.id}/profile", data=data).status_code == 302
    profile = db.session.get(TraineeProfile, trainee.id)
    db.session.refresh(profile)
    assert (profile.gmc_number, profile.curriculum_version, profile.stage_started_on) == ("7654321", "2010", date(2026, 1, 7))


def test_user_search_finds_by_name_or_email(client, login, admin):
    make.UserFactory(name="Dr Findable Person")
    login(admin)
    assert "Dr Findable Person" in client.get("/admin/users?q=findable").data.decode()
    assert "Dr Findable Person" not in client.get("/admin/users?q=zzz").data.decode()


def test_deactivation_ends_a_session_already_signed_in(app, client, login, admin):
    from flask import g

    def as_another_browser():
        g.pop("_login_user", None)  # tests share one app context: Flask-Login's per-request cache would leak between clients

    person = make.SupervisorFactory()
    theirs = app.test_client()
    assert theirs.post("/login", data={"email": person.email, "password": TEST_PASSWORD}).status_code == 302
    assert theirs.get("/").status_code == 200
    as_another_browser()
    login(admin)
    assert client.post(f"/admin/users/{person.id}/active", data={"active": "0"}).status_code == 302
    as_another_browser()
    db.session.expire_all()
    response = theirs.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
