"""Outbox delivery over real SMTP, retries with backoff that never lose the decision, reminders and the in-app list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import DopsFactory
from tests.support import clock
from tests.support.mail import free_port
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, OutboxMessage, SignOffRequest
from trainee_portal.notifications.sender import send_due


def _sign(client, login, people, signoff_request):
    login(people.supervisor)
    seen = db.session.get(EvidenceEntry, signoff_request.evidence_id).compute_content_hash()
    response = client.post(
        f"/signoff/requests/{signoff_request.id}/decide", data={"decision": "sign", "supervision_level": "4", "seen_hash": seen}
    )
    assert response.status_code == 302
    client.post("/logout")


def test_request_and_decision_emails_are_delivered_over_smtp(client, login, smtp, app):
    people = cast()
    entry = DopsFactory(trainee=people.owner, title="Epidural review")
    signoff_request = request_via_app(client, login, people, entry)
    _sign(client, login, people, signoff_request)
    report = send_due()
    assert report.sent == 2 and report.failed == 0
    by_recipient = {m["To"]: m for m in smtp.messages}
    assert "Epidural review" in by_recipient[people.supervisor.email]["Subject"]
    assert by_recipient[people.owner.email]["Subject"] == "Signed off: Epidural review"
    assert by_recipient[people.owner.email]["From"] == app.config["MAIL_SENDER"]
    assert send_due().sent == 0  # nothing is sent twice


def test_smtp_failure_keeps_the_decision_and_retries_with_backoff(client, login, app):
    people = cast()
    entry = DopsFactory(trainee=people.owner)
    signoff_request = request_via_app(client, login, people, entry)
    _sign(client, login, people, signoff_request)  # MAIL_PORT points at nothing in tests
    now = clock.now()
    report = send_due(now=now)
    assert report.failed == 2 and report.sent == 0
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).status == "signed"
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert message.attempts == 1 and message.sent_at is None and message.last_error
    assert message.next_attempt_at - now == timedelta(seconds=60)
    assert send_due(now=now + timedelta(seconds=30)).failed == 0  # not due yet
    send_due(now=now + timedelta(seconds=61))
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.attempts == 2 and message.next_attempt_at - (now + timedelta(seconds=61)) == timedelta(seconds=120)


def test_retries_stop_after_the_limit_and_the_row_stays(client, login, app):
    people = cast()
    message = OutboxMessage(user_id=people.owner.id, to_email=people.owner.email, subject="S", body="B", category="test")
    db.session.add(message)
    db.session.commit()
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        now = clock.now()
        send_due(now=now)
        report = send_due(now=now + timedelta(hours=1))
    finally:
        del app.config["MAIL_MAX_ATTEMPTS"]
    assert report.gave_up == 1
    db.session.expire_all()
    kept = db.session.get(OutboxMessage, message.id)
    assert kept.next_attempt_at is None and kept.sent_at is None and kept.attempts == 2


def test_failed_message_is_delivered_once_the_server_is_back(client, login, smtp, app):
    people = cast()
    db.session.add(
        OutboxMessage(user_id=people.owner.id, to_email=people.owner.email, subject="Later", body="B", category="test")
    )
    db.session.commit()
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()
    now = clock.now()
    assert send_due(now=now).failed == 1
    app.config["MAIL_PORT"] = working_port
    assert send_due(now=now + timedelta(minutes=2)).sent == 1
    assert [m["Subject"] for m in smtp.messages] == ["Later"]


def test_send_outbox_command_reports_and_exits_nonzero_on_failure(client, login, app):
    people = cast()
    db.session.add(OutboxMessage(user_id=people.owner.id, to_email=people.owner.email, subject="S", body="B", category="test"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-outbox"])
    assert result.exit_code == 1 and "failed 1 (will retry)" in result.output


def test_send_reminders_for_requests_waiting_longer_than_the_setting(client, login, smtp, app):
    people = cast()
    old, fresh = DopsFactory(trainee=people.owner, title="Old request"), DopsFactory(trainee=people.owner, title="Fresh request")
    for entry, days in ((old, 10), (fresh, 1)):
        r = request_via_app(client, login, people, entry)
        r.created_at = clock.now() - timedelta(days=days)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder email" in result.output
    reminders = [m for m in smtp.messages if m["Subject"].startswith("Reminder")]
    assert len(reminders) == 1 and "Old request" in reminders[0].get_payload(decode=True).decode()
    assert "Fresh request" not in reminders[0].get_payload(decode=True).decode()
    assert "Queued 0 reminder emails" in runner.invoke(args=["send-reminders", "--days", "5"]).output  # not again so soon
    app.config["SIGNOFF_REMINDER_DAYS"] = 30
    try:
        assert "more than 30 days" in runner.invoke(args=["send-reminders"]).output
    finally:
        app.config["SIGNOFF_REMINDER_DAYS"] = 7
    bad = runner.invoke(args=["send-reminders", "--days", "zero"])
    assert bad.exit_code == 2 and "Invalid value" in bad.output and "Traceback" not in bad.output
    assert db.session.scalar(select(SignOffRequest).where(SignOffRequest.evidence_id == old.id)).reminded_at is not None


def test_notifications_page_counts_unread_and_marks_read(client, login):
    people = cast()
    entry = DopsFactory(trainee=people.owner, title="Nerve block")
    signoff_request = request_via_app(client, login, people, entry)
    _sign(client, login, people, signoff_request)
    login(people.owner)
    page = client.get("/notifications/").data.decode()
    assert "1 unread" in page and "Signed off: Nerve block" in page
    assert "Notifications (1 unread)" in client.get("/").data.decode()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == people.owner.id))
    opened = client.post(f"/notifications/{message.id}/read")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/signoff/requests/{signoff_request.id}")
    assert "0 unread" in client.get("/notifications/").data.decode()
    db.session.add(OutboxMessage(user_id=people.owner.id, to_email=people.owner.email, subject="Two", body="B", category="t"))
    db.session.commit()
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "Marked 1 notification as read" in response.data.decode()
