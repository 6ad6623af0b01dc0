"""A Faculty Tutor (Pain) or RAPM who supervises nobody opens on the HALO requests waiting for them: their regions'
trainees only, never their own; an administrator's home starts with what needs attention."""

from __future__ import annotations

from tests import factories as make
from tests.app.home.test_supervisor_home import _home, _text
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import HaloRequest, RoleScope


def _halo(trainee, days):
    db.session.add(
        HaloRequest(
            trainee_id=trainee.id,
            curriculum_version="2021",
            stage_key="stage1",
            status="requested",
            created_at=clock.ago(days=days),
        )
    )


def test_a_faculty_tutor_who_supervises_nobody_sees_their_halo_queue(client, login):
    tutor = make.UserFactory(roles=("faculty_tutor",))
    mine, other, elsewhere = make.TraineeFactory(), make.TraineeFactory(), make.TraineeFactory()
    region = mine.trainee_profile.region_id
    other.trainee_profile.region_id = region
    db.session.add(RoleScope(user_id=tutor.id, role="faculty_tutor", region_id=region))
    _halo(mine, 5)
    _halo(other, 2)
    _halo(elsewhere, 9)  # another region's trainee: not this tutor's to review
    db.session.commit()
    login(tutor)
    response = client.get("/")
    text = _text(response)
    assert "2 HALO requests to review, oldest waiting 5 days" in text
    assert 'href="/halo/"' in response.data.decode()
    assert "Your trainees" not in text  # no supervisor's section for someone who supervises nobody


def test_a_rapm_with_nothing_waiting_is_told_so(client, login):
    rapm = make.UserFactory(roles=("rapm",))
    db.session.add(RoleScope(user_id=rapm.id, role="rapm", region_id=make.TraineeFactory().trainee_profile.region_id))
    db.session.commit()
    login(rapm)
    assert "No HALO requests to review." in _home(client)


def test_a_supervisor_who_reviews_halos_sees_them_once(client, login):
    tutor = make.UserFactory(roles=("supervisor", "faculty_tutor"))
    trainee = make.TraineeFactory()
    db.session.add(RoleScope(user_id=tutor.id, role="faculty_tutor", region_id=trainee.trainee_profile.region_id))
    _halo(trainee, 1)
    db.session.commit()
    login(tutor)
    assert _home(client).count("1 HALO request to review") == 1


def test_the_administrators_home_starts_with_what_needs_attention(client, login):
    admin = make.UserFactory(roles=("admin",))
    login(admin)
    text = _home(client)
    assert text.index("What needs attention") < text.index("who needs you")
