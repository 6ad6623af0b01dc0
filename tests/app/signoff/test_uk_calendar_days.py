"""Stored times are UTC; users live on the UK's clock. In summer time the hour from 23:00 UTC is already the next UK
day, so a request sent then was sent "today" and on the UK's date. Each page and answer that counts the days a request
has waited, or dates it, is read at such an hour: the supervisor's queue, the director's list of waiting requests, the
trainee's and the director's homes and the API. Counting UK days from a UTC date said "1 day" for a request sent
half an hour before, and dated it the day before."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from competencies import calendar_days
from tests.factories import (
    DirectorFactory,
    EvidenceFactory,
    SignOffRequestFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support.api import bearer
from trainee_portal.extensions import db

SENT = datetime(2026, 7, 1, 23, 10)  # 00:10 on 2 July in the UK (summer time)
OLDER = datetime(2026, 6, 11, 23, 30)  # 00:30 on 12 June in the UK: 20 UK days before 2 July, 21 by its UTC date
LOOKED = datetime(2026, 7, 1, 23, 40)  # 00:40 on 2 July in the UK


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def night(app, clock):
    clock.set(SENT)
    supervisor, trainee = SupervisorFactory(name="Dr Night Supervisor"), TraineeFactory(name="Dr Night Trainee")
    assign(supervisor, trainee)
    director = DirectorFactory()
    direct(director, trainee.trainee_profile.region)
    sent = SignOffRequestFactory(
        evidence=EvidenceFactory(trainee=trainee, status="submitted", title="Night clinic"),
        supervisor=supervisor,
        created_at=SENT,
    )
    SignOffRequestFactory(
        evidence=EvidenceFactory(trainee=trainee, status="submitted", title="June clinic"),
        supervisor=supervisor,
        created_at=OLDER,
    )
    db.session.commit()
    clock.set(LOOKED)
    return supervisor, trainee, director, sent


def test_the_rule_counts_uk_calendar_days_from_a_stored_utc_time():
    assert calendar_days.uk_day(SENT).isoformat() == "2026-07-02"
    assert calendar_days.days_since(SENT, calendar_days.uk_day(LOOKED)) == 0
    assert calendar_days.days_since(OLDER, calendar_days.uk_day(LOOKED)) == 20
    winter = datetime(2026, 12, 1, 23, 10)  # the UK is on UTC in winter: 23:10 is still 1 December
    assert calendar_days.uk_day(winter).isoformat() == "2026-12-01"


def test_the_supervisors_queue_says_since_today_and_dates_it_on_the_uk_day(client, login, night):
    supervisor, *_ = night
    login(supervisor)
    text = _text(client.get("/signoff/").get_data(as_text=True))
    assert "Since today" in text
    assert "1 day" not in text and "20 days" in text and "21 days" not in text
    assert "2 Jul 2026" in text and "1 Jul 2026" not in text and "12 Jun 2026" in text


def test_the_directors_list_of_waiting_requests_counts_and_dates_uk_days(client, login, night):
    *_, director, _ = night
    login(director)
    text = _text(client.get("/signoff/waiting").get_data(as_text=True))
    assert "Since today" in text and "20 days" in text and "21 days" not in text
    assert "2 Jul 2026" in text and "1 Jul 2026" not in text


def test_the_trainees_home_says_how_long_ago_in_uk_days(client, login, night):
    _, trainee, _, _ = night
    login(trainee)
    text = _text(client.get("/").get_data(as_text=True))
    assert "2 with Dr Night Supervisor, the oldest sent 20 days ago" in text


def test_the_directors_home_gives_the_oldest_wait_in_uk_days(client, login, night):
    *_, director, _ = night
    login(director)
    text = _text(client.get("/").get_data(as_text=True))
    assert "the oldest for 20 days" in text and "the oldest for 21 days" not in text


def test_the_api_counts_uk_days_in_the_queue_and_the_request(client, night):
    supervisor, _, _, sent = night
    headers = bearer(supervisor, ("read", "signoff"))
    items = client.get("/api/v1/signoff/queue", headers=headers).get_json()["items"]
    assert sorted(item["days_waiting"] for item in items) == [0, 20]
    assert client.get(f"/api/v1/signoff/requests/{sent.id}", headers=headers).get_json()["days_waiting"] == 0
