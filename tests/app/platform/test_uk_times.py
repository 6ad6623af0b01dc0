"""Times of day written out of stored times (naive UTC) are read on the UK's clock and say which (GMT or BST): the
notifications page, the administrator's list of emails not sent, and the supervisor's "Was this you?" page and email
for a signature given in person, where the hour is what the supervisor checks against their own day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.app.signoff.helpers import cast
from tests.app.signoff.test_sign_in_person import pending, set_pin, sign_data
from tests.factories import AdminFactory, TraineeFactory
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage, SignOff

SUMMER_EVENING_UTC = datetime(2026, 7, 1, 23, 30)  # 00:30 BST on 2 July
WINTER_MORNING_UTC = datetime(2026, 1, 5, 9, 5)  # 09:05 GMT, the same


def _message(user, **fields) -> OutboxMessage:
    message = OutboxMessage(
        user_id=user.id, to_email=user.email, subject="Evidence returned", body="Read it.", category="signoff.decided", **fields
    )
    db.session.add(message)
    db.session.commit()
    return message


def test_the_notifications_page_gives_each_time_on_the_uk_clock_with_its_zone(client, login):
    trainee = TraineeFactory()
    _message(trainee, created_at=SUMMER_EVENING_UTC, sent_at=SUMMER_EVENING_UTC)
    _message(trainee, created_at=WINTER_MORNING_UTC, sent_at=WINTER_MORNING_UTC)
    login(trainee)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "2 Jul 2026 00:30 BST" in page and "5 Jan 2026 09:05 GMT" in page
    assert "UTC" not in page and "23:30" not in page


def test_the_outbox_list_gives_when_each_email_was_queued_and_is_tried_next_on_the_uk_clock(client, login):
    trainee = TraineeFactory()
    _message(
        trainee,
        created_at=SUMMER_EVENING_UTC,
        attempts=2,
        last_error="Connection refused",
        next_attempt_at=datetime(2026, 7, 2, 7, 0),
    )
    login(AdminFactory())
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "2 Jul 2026 00:30 BST" in page and "2 Jul 2026 08:00 BST" in page
    assert " UTC" not in page


def test_the_in_person_signature_is_put_to_the_supervisor_at_the_uk_time_it_was_given(client, login, clock):
    clock.set(datetime(2026, 7, 1, 22, 0))
    people = cast()
    set_pin(client, login, people.supervisor)
    entry, signoff_request = pending(client, login, people)
    login(people.owner)
    clock.set(SUMMER_EVENING_UTC)
    assert client.post(f"/signoff/requests/{signoff_request.id}/in-person", data=sign_data(entry.id)).status_code == 302
    told = db.session.scalar(select(OutboxMessage).where(OutboxMessage.category == "signoff.in_person"))
    assert "at 00:30 BST on 02 July 2026." in told.body and "UTC" not in told.body
    signoff = db.session.scalar(select(SignOff).where(SignOff.request_id == signoff_request.id))
    client.post("/logout")
    login(people.supervisor)
    page = client.get(f"/signoff/signatures/{signoff.id}/disown").get_data(as_text=True)
    assert "on 2 July 2026 at 00:30 BST, at supervision level" in page and "UTC" not in page
