"""New links for outside assessors: the trainee sends one in a click (the old link dies at once), a limited number
of times per request; the trainee's own training director may allow more."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.app.signoff.helpers import ASSESSOR, assessor_decides, assessor_link, cast, request_via_app
from tests.factories import DirectorFactory, DopsFactory, RegionFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, EvidenceEntry, OutboxMessage, SignOff, SignOffRequest
from trainee_portal.notifications.sender import send_due


def newest_token(smtp) -> str:
    body = smtp.messages[-1].get_payload(decode=True).decode()
    return re.search(r"http://\S+/signoff/assessor/(\S+)", body).group(1)


def reissue(client, request_id: int, follow: bool = False):
    return client.post(f"/signoff/requests/{request_id}/new-link", follow_redirects=follow)


def test_a_new_link_kills_the_old_one_at_once_and_works_once(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner, title="Stellate ganglion block")
    signoff_request, old_token = assessor_link(client, login, people, entry, smtp)
    login(people.owner)
    detail = client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    assert "Send a new link" in detail
    answer = reissue(client, signoff_request.id, follow=True)
    assert "The old link no longer works" in answer.data.decode() and "2 more new links" in answer.data.decode()
    db.session.expire_all()
    stored = db.session.get(SignOffRequest, signoff_request.id)
    assert stored.token_hash is None and stored.expires_at is None and stored.links_reissued == 1
    old = client.get(f"/signoff/assessor/{old_token}")
    assert old.status_code == 410 and "newer link" in old.data.decode()  # dead before the new email even goes
    assert send_due().sent == 1
    new_token = newest_token(smtp)
    assert new_token != old_token and "This is a new link" in smtp.messages[-1].get_payload(decode=True).decode()
    client.post("/logout")
    assert client.get(f"/signoff/assessor/{old_token}").status_code == 410
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    assert assessor_decides(client, new_token, seen_hash=seen).status_code == 302
    assert db.session.scalar(select(SignOff)).assessor_name == "Dr Visiting Consultant"
    again = client.get(f"/signoff/assessor/{new_token}")
    assert again.status_code == 410 and "already been used" in again.data.decode()
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "signoff.link_reissued"))
    assert record.actor_id == people.owner.id and old_token not in record.payload and new_token not in record.payload


def test_an_expired_link_is_replaced_from_the_request_page(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, old_token = assessor_link(client, login, people, entry, smtp)
    db.session.get(SignOffRequest, signoff_request.id).expires_at = clock.now() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/signoff/assessor/{old_token}").status_code == 410
    login(people.owner)
    detail = client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    assert "link expired" in detail and "Send a new link" in detail
    assert reissue(client, signoff_request.id).status_code == 302
    send_due()
    client.post("/logout")
    token = newest_token(smtp)
    page = client.get(f"/signoff/assessor/{token}")
    assert page.status_code == 200 and entry.title in page.data.decode()


def test_the_number_of_new_links_is_limited_and_a_director_raises_it(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, _token = assessor_link(client, login, people, entry, smtp)
    login(people.owner)
    for _ in range(3):
        assert reissue(client, signoff_request.id).status_code == 302
    queued = db.session.query(OutboxMessage).count()
    refused = reissue(client, signoff_request.id, follow=True).data.decode()
    assert "all 3 new links" in refused and "director" in refused
    assert db.session.query(OutboxMessage).count() == queued
    assert "You have sent every new link" in client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    assert client.post(f"/signoff/requests/{signoff_request.id}/allowance", data={"extra": "2", "reason": "x"}).status_code == 403
    client.post("/logout")
    login(people.director)
    page = client.get(f"/signoff/requests/{signoff_request.id}/allowance")
    assert page.status_code == 200 and "programme&#39;s own suggestion" in page.data.decode()
    url = f"/signoff/requests/{signoff_request.id}/allowance"
    for bad, message in (("0", "from 1 to 5"), ("99", "from 1 to 5"), ("two", "whole number")):
        answer = client.post(url, data={"extra": bad, "reason": "Assessor on leave"})
        assert answer.status_code == 400 and message in answer.data.decode(), bad
    assert client.post(url, data={"extra": "2", "reason": ""}).status_code == 400
    assert client.post(url, data={"extra": "2", "reason": "Assessor changed hospital"}).status_code == 302
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "signoff.link_allowance_raised"))
    assert record.actor_id == people.director.id and "Assessor changed hospital" in record.payload
    client.post("/logout")
    login(people.owner)
    assert reissue(client, signoff_request.id).status_code == 302
    assert reissue(client, signoff_request.id).status_code == 302
    assert "all 5 new links" in reissue(client, signoff_request.id, follow=True).data.decode()
    assert db.session.get(SignOffRequest, signoff_request.id).links_reissued == 5


def test_another_regions_director_cannot_allow_more(client, login, smtp):
    people = cast()
    elsewhere = DirectorFactory()
    direct(elsewhere, region=RegionFactory())
    entry = DopsFactory(trainee=people.owner)
    signoff_request, _token = assessor_link(client, login, people, entry, smtp)
    login(elsewhere)
    url = f"/signoff/requests/{signoff_request.id}/allowance"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"extra": "5", "reason": "Let them"}).status_code == 403
    assert db.session.get(SignOffRequest, signoff_request.id).extra_reissues_allowed == 0


def test_nobody_else_sends_a_new_link_and_never_for_a_supervisors_request(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, token = assessor_link(client, login, people, entry, smtp)
    for outsider in (people.other_trainee, people.supervisor, people.director, people.admin):
        login(outsider)
        assert reissue(client, signoff_request.id).status_code == 403, outsider.name
        client.post("/logout")
    db.session.expire_all()
    assert db.session.get(SignOffRequest, signoff_request.id).links_reissued == 0
    assert client.get(f"/signoff/assessor/{token}").status_code == 200  # the link still works
    supervised = DopsFactory(trainee=people.owner)
    to_supervisor = request_via_app(client, login, people, supervised)
    login(people.owner)
    assert reissue(client, to_supervisor.id).status_code == 403


def test_no_new_link_for_a_decided_request(client, login, smtp):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request, token = assessor_link(client, login, people, entry, smtp)
    seen = db.session.get(EvidenceEntry, entry.id).compute_content_hash()
    assert assessor_decides(client, token, seen_hash=seen).status_code == 302
    login(people.owner)
    answer = reissue(client, signoff_request.id, follow=True)
    assert "already signed" in answer.data.decode()
    assert db.session.get(SignOffRequest, signoff_request.id).links_reissued == 0
    assert not [m for m in db.session.scalars(select(OutboxMessage)) if m.to_email == ASSESSOR and m.sent_at is None]
