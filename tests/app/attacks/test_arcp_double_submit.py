"""Two clicks on "Record" for the same ARCP panel (same trainee, training year and panel date) both passed the
route's panel_taken check before either committed: migration 0003 dropped the old unique constraint and put none in
its place, so the database took both and the trainee got two outcomes from one panel (and two emails)."""

from __future__ import annotations

from unittest import mock

from sqlalchemy import func, select

from tests.app.attacks.helpers import as_user
from tests.factories import DirectorFactory, RegionFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.arcp import services as arcp
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome


def test_a_second_outcome_for_the_same_panel_that_raced_past_the_check_is_refused(app):
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    browser = as_user(app, director)
    data = {"training_year": "ST5", "outcome": "1", "panel_date": clock.days_ago(3).isoformat(), "notes": "Fine."}
    assert browser.post(f"/cohort/trainee/{trainee.id}/arcp", data=data).status_code == 302
    # The second request checked before the first committed: panel_taken said "free".
    with mock.patch.object(arcp, "panel_taken", return_value=False):
        second = browser.post(f"/cohort/trainee/{trainee.id}/arcp", data={**data, "outcome": "2"})
    assert second.status_code in (302, 400, 409)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ArcpOutcome)) == 1
