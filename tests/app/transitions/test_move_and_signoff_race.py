"""A supervisor signs off evidence on an old code at the moment the trainee is moved to a new curriculum. The
sign-off works out what the entry counts towards (its own code, and the new codes a move maps it to) before it holds
the trainee's row; the move commits in between and rebuilds the tallies, counting the entry as awaiting sign-off under
the new codes too. The sign-off, whose request holds the supervisor, not the trainee's profile, must still find the
move under the trainee's row's lock and count its change under the new codes: the tallies equal a recompute."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tests.factories import AdminFactory, EvidenceFactory, SupervisorFactory, TraineeFactory, assign
from tests.support import clock, summaries
from tests.support.races import hold_trainee_row, one_behind_the_other
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, EvidenceTally, SignOffRequest, TraineeProfile, User
from trainee_portal.signoff import services as signoff
from trainee_portal.summaries import progress
from trainee_portal.transitions import services as transitions

CODE = "PM_HK_02"  # a 2010 Advanced competency the 2021 mapping carries over to S3_PM_01
MAPPED = "S3_PM_01"


def test_a_sign_off_on_an_old_code_racing_the_trainees_move_is_counted_under_the_new_codes(app):
    trainee = TraineeFactory(
        profile__curriculum_version="2010", profile__current_stage="advanced", profile__stage_started_on=clock.days_ago(300)
    )
    supervisor = SupervisorFactory()
    assign(supervisor, trainee)
    entry = EvidenceFactory(trainee=trainee, stage_level="advanced", codes=(CODE,))
    audit.append("test.seed", subject_type="user", subject_id=trainee.id, payload={})  # the chain has a head
    db.session.flush()
    pending = signoff.request_signoff(trainee, entry, supervisor=supervisor)
    admin = AdminFactory()
    db.session.commit()
    trainee_id, admin_id, supervisor_id, request_id, entry_id = trainee.id, admin.id, supervisor.id, pending.id, entry.id
    db.session.remove()
    blocker = hold_trainee_row(trainee_id)

    def move():
        profile = db.session.get(TraineeProfile, trainee_id)
        transitions.move(db.session.get(User, admin_id), profile, "2021", clock.today(), "Agreed at ARCP")

    def sign():
        # As the supervisor's request does: their own user, the request and its evidence; not the trainee's profile.
        decider = db.session.get(User, supervisor_id)
        request = db.session.get(SignOffRequest, request_id)
        seen = db.session.get(EvidenceEntry, entry_id).compute_content_hash()
        signoff.sign(request, level="3", feedback="", seen_hash=seen, decider=decider)
        assert db.session.identity_map.get(db.session.identity_key(TraineeProfile, trainee_id)) is None

    failures, done = one_behind_the_other(app, move, sign, blocker)
    assert not failures, failures
    assert done == {"first": True, "second": True}
    counted = Counter(
        {
            (t.competency_code, t.status): t.count
            for t in db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id))
        }
    )
    assert counted[(MAPPED, "signed")] == 1, counted
    assert counted[(MAPPED, "submitted")] == 0, counted
    maintained = summaries.snapshot()
    progress.recompute_all()
    db.session.commit()
    assert not summaries.differences(maintained, summaries.snapshot())
    assert audit.verify_chain().ok
