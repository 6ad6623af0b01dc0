"""Shared set-up for the sign-off, notification and audit tests: a trainee with evidence and every kind of onlooker,
requests made through the real forms and an outside assessor's one-time link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from tests.factories import AdminFactory, DirectorFactory, RegionFactory, SupervisorFactory, TraineeFactory, assign, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, SignOff, SignOffRequest, User
from trainee_portal.notifications.sender import send_due


@dataclass
class Cast:
    owner: User
    other_trainee: User
    supervisor: User
    unassigned_supervisor: User
    ended_supervisor: User
    director: User
    admin: User


def cast(owner_email: str | None = None) -> Cast:
    """A trainee (the owner, at `owner_email` if given) with evidence's every kind of onlooker."""
    region = RegionFactory()
    owner = TraineeFactory(profile__region=region, **({"email": owner_email} if owner_email else {}))
    other = TraineeFactory(profile__region=region)
    supervisor = SupervisorFactory(name="Dr Assigned Supervisor")
    assign(supervisor, owner)
    unassigned = SupervisorFactory()
    assign(unassigned, other)
    ended = SupervisorFactory()
    assign(ended, owner, starts_on=clock.today() - timedelta(days=400), ends_on=clock.today() - timedelta(days=1))
    director = DirectorFactory()
    direct(director, region=region)
    return Cast(owner, other, supervisor, unassigned, ended, director, AdminFactory())


ROLES = ("owner", "other_trainee", "supervisor", "unassigned_supervisor", "ended_supervisor", "director", "admin", "anonymous")


def user_for(people: Cast, role: str):
    return None if role == "anonymous" else getattr(people, role)


def request_via_app(client, login, people: Cast, entry: EvidenceEntry, recipient=None, email: str = "") -> SignOffRequest:
    """The owner asks through the real form; returns the pending request."""
    login(people.owner)
    response = client.post(
        f"/signoff/request/{entry.id}", data={"recipient": recipient or str(people.supervisor.id), "assessor_email": email}
    )
    assert response.status_code == 302, response.data.decode()[:2000]
    client.post("/logout")
    db.session.expire_all()
    return db.session.query(SignOffRequest).filter_by(evidence_id=entry.id, status="pending").one()


def sign_via_app(
    client, login, people: Cast, entry: EvidenceEntry, feedback: str | None = "Good technique; keep going."
) -> SignOff:
    """The owner asks through the real form and the assigned supervisor signs at level 3 (with `feedback`, unless
    None: then the form sends no feedback field); returns the signature."""
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    data = {"decision": "sign", "supervision_level": "3", "seen_hash": seen}
    if feedback is not None:
        data["feedback"] = feedback
    assert client.post(f"/signoff/requests/{signoff_request.id}/decide", data=data).status_code == 302
    client.post("/logout")
    db.session.expire_all()
    return db.session.scalar(select(SignOff).where(SignOff.request_id == signoff_request.id))


def signed_by_outside_assessor(entry: EvidenceEntry, email: str) -> SignOff:
    """The owner asks an outside assessor at `email`, who signs at level 3: through the services, not the routes."""
    from trainee_portal.signoff import services

    signoff_request = services.request_signoff(entry.trainee, entry, assessor_email=email)
    db.session.commit()
    signoff = services.sign(
        signoff_request,
        level="3",
        feedback="",
        seen_hash=entry.compute_content_hash(),
        assessor_name="Dr Outside",
        assessor_gmc="7654321",
    )
    db.session.commit()
    return signoff


ASSESSOR = "visiting.consultant@nhs.example"


def assessor_link(client, login, people: Cast, entry: EvidenceEntry, smtp, email: str = ASSESSOR):
    """The owner asks an outside assessor at `email`; the email goes; returns (request, the token in its link)."""
    signoff_request = request_via_app(client, login, people, entry, recipient="assessor", email=email)
    assert signoff_request.token_hash is None  # no token exists until the email is sent
    assert send_due().sent == 1
    (mail,) = smtp.messages
    assert mail["To"] == email
    url = re.search(r"http://\S+/signoff/assessor/(\S+)", mail.get_payload(decode=True).decode())
    return signoff_request, url.group(1)


def assessor_decides(client, token: str, **overrides):
    """The outside assessor posts their decision through the link (by default: signs at level 3)."""
    entry_hash = overrides.pop("seen_hash", None)
    data = {
        "assessor_name": "Dr Visiting Consultant",
        "assessor_gmc": "1234567",
        "decision": "sign",
        "supervision_level": "3",
        "feedback": "Safe and fluent.",
        "seen_hash": entry_hash,
    }
    data.update(overrides)
    return client.post(f"/signoff/assessor/{token}", data=data)


def trust(people: Cast, domains: str) -> None:
    """The owner's region trusts outside assessors at these domains."""
    people.owner.trainee_profile.region.trusted_assessor_domains = domains
    db.session.commit()
