"""Shared set-up for the sign-off, notification and audit tests: a trainee with evidence and every kind of onlooker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tests.factories import (
    AdminFactory,
    DirectorFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, SignOffRequest, User
from trainee_portal.summaries import progress


def first_code() -> str:
    from trainee_portal import curricula

    return curricula.curriculum("2021").stage_for_level("higher").competencies[0].code


def make_entry(
    trainee: User, status: str = "draft", title: str = "Medial branch block", level: str = "2b", code: str | None = None
) -> EvidenceEntry:
    code = code or first_code()
    entry = EvidenceEntry(
        trainee_id=trainee.id,
        evidence_type="wba.dops",
        stage_level="higher",
        occurred_on=date.today() - timedelta(days=3),
        title=title,
        setting="theatre",
        supervision_level=level,
        notes="Anonymised account of the procedure.",
        status=status,
    )
    entry.competencies = [EvidenceCompetency(competency_code=code)]
    db.session.add(entry)
    db.session.flush()
    progress.record_change(trainee.id, progress.contribution(None), progress.contribution(entry))
    db.session.commit()
    return entry


@dataclass
class Cast:
    owner: User
    other_trainee: User
    supervisor: User
    unassigned_supervisor: User
    ended_supervisor: User
    director: User
    admin: User


def cast() -> Cast:
    region = RegionFactory()
    owner = TraineeFactory(profile__region=region)
    other = TraineeFactory(profile__region=region)
    supervisor = SupervisorFactory(name="Dr Assigned Supervisor")
    assign(supervisor, owner)
    unassigned = SupervisorFactory()
    assign(unassigned, other)
    ended = SupervisorFactory()
    assign(ended, owner, starts_on=date.today() - timedelta(days=400), ends_on=date.today() - timedelta(days=1))
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


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailSink:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email

        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free localhost port, with MAIL_* pointed at it for the test."""
    from aiosmtpd.controller import Controller

    sink, port = MailSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield sink
    app.config.update(saved)
    controller.stop()
