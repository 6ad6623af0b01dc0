"""Every sign-off rule in policy.py, and the routes that ask it, for every role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from tests.app.signoff.helpers import ROLES, cast, request_via_app, user_for
from tests.factories import AssessorLinkFactory, DopsFactory, SignOffRequestFactory
from tests.support import clock
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage

ANON = AnonymousUserMixin()


def _who(people, role):
    return user_for(people, role) or ANON


EXPECTED = {
    #  role:                  request, ask own supervisor, decide, cancel, view request, stage, audit
    "owner": (True, True, False, True, True, False, False),
    "other_trainee": (False, False, False, False, False, False, False),
    "supervisor": (False, False, True, False, True, True, False),
    "unassigned_supervisor": (False, False, False, False, False, False, False),
    "ended_supervisor": (False, False, False, False, False, False, False),
    "director": (False, False, False, False, True, False, True),
    "admin": (False, False, False, False, True, False, True),
    "anonymous": (False, False, False, False, False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_signoff_rules_for_every_role(app, role):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    user = _who(people, role)
    asked = (policy.can_request_signoff(user, entry), policy.can_ask_supervisor(user, entry, people.supervisor))
    pending = SignOffRequestFactory(evidence=entry, supervisor=people.supervisor)
    entry.status = "submitted"
    db.session.commit()
    result = asked + (
        policy.can_decide_signoff(user, pending),
        policy.can_cancel_signoff(user, pending),
        policy.can_view_signoff_request(user, pending),
        policy.can_sign_off_stage(user, people.owner.id),
        policy.can_view_audit(user, people.owner.id),
    )
    assert result == EXPECTED[role]


def test_nobody_asks_an_unassigned_or_former_supervisor(app):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    assert policy.can_ask_supervisor(people.owner, entry, people.supervisor)
    assert not policy.can_ask_supervisor(people.owner, entry, people.unassigned_supervisor)
    assert not policy.can_ask_supervisor(people.owner, entry, people.ended_supervisor)


def test_trainee_cannot_name_themselves_as_outside_assessor(app):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    assert policy.can_ask_assessor(people.owner, entry, "visiting@nhs.example")
    assert not policy.can_ask_assessor(people.owner, entry, people.owner.email.upper())
    assert not policy.can_ask_assessor(people.other_trainee, entry, "visiting@nhs.example")


def test_a_decided_request_can_be_decided_by_nobody(app):
    people = cast()
    entry = DopsFactory(trainee=people.owner, status="submitted")
    decided = SignOffRequestFactory(evidence=entry, supervisor=people.supervisor, status="signed")
    db.session.commit()
    assert not policy.can_decide_signoff(people.supervisor, decided)
    assert not policy.can_cancel_signoff(people.owner, decided)


def test_signed_evidence_cannot_be_requested_again_or_edited(app):
    people = cast()
    entry = DopsFactory(trainee=people.owner, status="signed")
    assert not policy.can_request_signoff(people.owner, entry)
    assert not policy.can_edit_evidence(people.owner, entry)


@pytest.mark.parametrize("role", ROLES)
def test_assessor_link_rule_for_every_role(app, role):
    """Any holder of a live link decides, except the trainee whose evidence it is."""
    people = cast()
    entry = DopsFactory(trainee=people.owner, status="submitted")
    link = AssessorLinkFactory(evidence=entry)
    assert policy.can_decide_by_assessor_link(_who(people, role), link, clock.now()) is (role != "owner")


def test_assessor_link_rule_refuses_used_expired_and_own_gmc(app):
    people = cast()
    entry = DopsFactory(trainee=people.owner, status="submitted")
    now = clock.now()
    link = AssessorLinkFactory(evidence=entry, expires_at=now + timedelta(days=3))
    assert not policy.can_decide_by_assessor_link(ANON, link, now, assessor_gmc=people.owner.trainee_profile.gmc_number)
    assert not policy.can_decide_by_assessor_link(ANON, link, now + timedelta(days=4))
    link.token_used_at = now
    assert not policy.can_decide_by_assessor_link(ANON, link, now)


# --- the routes ask the same rules ---------------------------------------------------------------

ROUTE_STATUS = {
    # role: (view request, decide, cancel, queue, audit page, ask form)
    "owner": (200, 403, 302, 403, 403, 302),
    "other_trainee": (403, 403, 403, 403, 403, 403),
    "supervisor": (200, 302, 403, 200, 403, 403),
    "unassigned_supervisor": (403, 403, 403, 200, 403, 403),
    "ended_supervisor": (403, 403, 403, 200, 403, 403),
    "director": (200, 403, 403, 403, 200, 403),
    "admin": (200, 403, 403, 403, 200, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_signoff_routes_for_every_role(client, login, role):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    user = user_for(people, role)
    if user is None:
        for url in (
            f"/signoff/requests/{signoff_request.id}",
            "/signoff/",
            f"/signoff/audit/{people.owner.id}",
            f"/signoff/request/{entry.id}",
            "/notifications/",
        ):
            response = client.get(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        assert client.post(f"/signoff/requests/{signoff_request.id}/decide", data={}).status_code == 302
        return
    login(user)
    view = client.get(f"/signoff/requests/{signoff_request.id}").status_code
    queue = client.get("/signoff/").status_code
    audit_page = client.get(f"/signoff/audit/{people.owner.id}").status_code
    ask = client.get(f"/signoff/request/{entry.id}").status_code  # already submitted: the owner is sent to the request
    decide = client.post(
        f"/signoff/requests/{signoff_request.id}/decide",
        data={"decision": "return", "reason": "Add the outcome.", "seen_hash": "x"},
    ).status_code
    db.session.expire_all()
    cancel = client.post(f"/signoff/requests/{signoff_request.id}/cancel").status_code if decide != 302 else 403
    assert (view, decide, cancel, queue, audit_page, ask) == ROUTE_STATUS[role]


def test_notifications_belong_to_their_user(client, login):
    people = cast()
    message = OutboxMessage(user_id=people.owner.id, to_email=people.owner.email, subject="Hello", body="Body", category="test")
    db.session.add(message)
    db.session.commit()
    assert policy.can_read_notification(people.owner, message)
    assert not policy.can_read_notification(people.other_trainee, message)
    assert not policy.can_read_notification(ANON, message)
    login(people.other_trainee)
    assert client.post(f"/notifications/{message.id}/read").status_code == 403
    assert "Hello" not in client.get("/notifications/").data.decode()
