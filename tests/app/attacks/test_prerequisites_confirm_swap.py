"""The director's "Confirm GMC registration and FPM membership" button carried no record id: it confirmed whatever the
latest record was when the click arrived. A trainee who records a new statement after the director opened the page
(claiming membership in good standing, say) gets that statement confirmed, never seen by the director."""

from __future__ import annotations

from sqlalchemy import select

from tests.app.attacks.helpers import as_user
from tests.factories import DirectorFactory, ExamPrerequisiteFactory, RegionFactory, TraineeFactory, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import ExamPrerequisite


def test_confirm_applies_only_to_the_record_the_director_saw(app):
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    seen = ExamPrerequisiteFactory(trainee=trainee, fpm_status="applied", fpm_member_since=None, good_standing=False)
    db.session.commit()
    boss = as_user(app, director)
    page = boss.get(f"/exams/?trainee={trainee.id}").get_data(as_text=True)
    assert "Confirm GMC registration and FPM membership" in page
    swapped = as_user(app, trainee).post(
        f"/exams/prerequisites/{trainee.id}",
        data={
            "gmc_registered_on": "2016-08-03",
            "fpm_status": "member",
            "fpm_applied_on": clock.days_ago(400).isoformat(),
            "fpm_member_since": clock.days_ago(300).isoformat(),
            "good_standing": "y",
        },
    )
    assert swapped.status_code == 302
    # The director's click, with what the page they opened sent (the record it showed, when the form names one).
    response = boss.post(f"/exams/prerequisites/{trainee.id}/confirm", data={"record_id": seen.id})
    assert response.status_code in (302, 400, 409)
    db.session.expire_all()
    latest = db.session.scalar(select(ExamPrerequisite).order_by(ExamPrerequisite.id.desc()))
    assert latest.id != seen.id and latest.fpm_status == "member"
    assert latest.confirmed_on is None and latest.confirmed_by_id is None
