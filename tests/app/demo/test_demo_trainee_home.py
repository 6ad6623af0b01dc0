"""The demo trainee's home answers "what is next" with the demo's own data: sign-offs waiting on their supervisor (one
past the 14-day mark) and on an outside assessor, the Stage 1 HALO and the MSF round in progress, the entry their
supervisor returned with the reason, the SOE they need next and the London ARCP panels."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD


def test_the_demo_trainee_home_shows_each_item_with_real_demo_data(client):
    load_demo()
    assert client.post("/login", data={"email": f"trainee@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/").get_data(as_text=True)
    main = page[page.index("<main") : page.index("</main>")]
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main))).replace(" ,", ",").replace(" :", ":")
    assert "Your current stage: Stage 3 pain (higher pain training)" in text
    assert re.search(r"\d of 8 competencies complete", text) and re.search(r"Evidence: \d+ of \d+ required items in place", text)
    assert '<a href="/logbook/?status=submitted">3 items awaiting sign-off</a>' in page
    assert "2 with Dr James Whitfield, the oldest sent 18 days ago Sign-off waiting over 14 days" in text
    assert "1 with dr.visiting.consultant@nhs.example (outside assessor)" in text
    assert "Stage 1 (core pain training) HALO: asked for on" in text
    assert "10 of 12 raters answered" in text
    assert '<a href="/logbook/?status=returned">1 item returned</a>' in page
    assert "Returned by Dr James Whitfield on" in text and "Please add what you would do differently next time" in text
    assert re.search(r"FFPMRCA SOE on \w+ \d+ \w+ \d{4} Applications close at 5pm on", text)
    assert "Not open to you yet. Still needed:" in text
    assert "London ARCP panel (ST6) on" in text and "Evidence cut-off" in text
    assert "London ARCP panel (ST5) on" in text and "Evidence cut-off passed on" in text


# Just after midnight (UTC and UK), midday, and just before midnight UTC in summer (already the next day in the UK).
LOADED_AT = [datetime(2026, 12, 2, 0, 30), datetime(2026, 12, 2, 12, 0), datetime(2026, 7, 2, 23, 30)]


@pytest.mark.parametrize("loaded_at", LOADED_AT, ids=lambda at: at.strftime("%b-%H%M"))
def test_no_demo_entry_is_sent_for_sign_off_before_the_day_it_happened(app, clock, loaded_at):
    from sqlalchemy import select

    from trainee_portal.extensions import db
    from trainee_portal.models import EvidenceEntry, SignOffRequest

    clock.set(loaded_at)
    load_demo()
    rows = db.session.execute(
        select(EvidenceEntry.title, EvidenceEntry.occurred_on, SignOffRequest.created_at).join(
            SignOffRequest, SignOffRequest.evidence_id == EvidenceEntry.id
        )
    ).all()
    assert rows
    uk = ZoneInfo("Europe/London")  # an entry's day is a UK date; a request's time is stored in UTC
    assert [(title, on) for title, on, sent in rows if sent.replace(tzinfo=UTC).astimezone(uk).date() < on] == []
