"""A curriculum move takes its locks in the order every evidence write takes them: the trainee's tally rows, then the
trainee's row, then the audit chain's head. It used to update the trainee's row and append its audit record first and
rebuild the tallies after; a new entry of the same trainee, holding a tally row and waiting for the trainee's row,
then deadlocked with it on PostgreSQL and one of the two saves failed ("The service is busy"). Raced here while
another transaction holds the trainee's row, so that the move waits there first and the new entry takes its tally
row behind it; on SQLite, which lets one transaction write at a time, both must simply go through."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tests.app.logbook.helpers import form_data
from tests.factories import AdminFactory, EvidenceFactory, TraineeFactory
from tests.support import clock, summaries
from tests.support.races import hold_trainee_row, one_behind_the_other
from trainee_portal import audit, curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import services as logbook
from trainee_portal.models import EvidenceTally, TraineeProfile, User
from trainee_portal.summaries import progress
from trainee_portal.transitions import services as transitions

CODE = "PM_HK_02"  # a 2010 Advanced competency the 2021 mapping carries over


def test_a_curriculum_move_and_a_new_entry_of_one_trainee_both_go_through(app):
    trainee = TraineeFactory(
        profile__curriculum_version="2010", profile__current_stage="advanced", profile__stage_started_on=clock.days_ago(300)
    )
    # The tally row the new entry adds to: a draft of the same kind, level and competency.
    EvidenceFactory(trainee=trainee, stage_level="advanced", codes=(CODE,))
    EvidenceFactory(trainee=trainee, stage_level="advanced", evidence_type="logbook.procedure", codes=("PM_HK_03",))
    audit.append("test.seed", subject_type="user", subject_id=trainee.id, payload={})  # the chain has a head
    admin = AdminFactory()
    db.session.commit()
    trainee_id, admin_id = trainee.id, admin.id
    blocker = hold_trainee_row(trainee_id)

    def move():
        profile = db.session.get(TraineeProfile, trainee_id)
        transitions.move(db.session.get(User, admin_id), profile, "2021", clock.today(), "Agreed at ARCP")

    def create():
        user, profile = db.session.get(User, trainee_id), db.session.get(TraineeProfile, trainee_id)
        values = form_data(competencies=[CODE]) | {"occurred_on": clock.days_ago(1)}
        logbook.create(user, profile, curricula.curriculum(profile.curriculum_version), values, None)

    # On PostgreSQL the move waits for the trainee's row; the new entry takes its tally row and waits behind it.
    failures, done = one_behind_the_other(app, move, create, blocker)
    assert not failures, failures
    assert done == {"first": True, "second": True}
    profile = db.session.get(TraineeProfile, trainee_id)
    db.session.refresh(profile)
    assert profile.curriculum_version == "2021"
    counted = Counter({(t.competency_code, t.status): t.count for t in db.session.scalars(select(EvidenceTally))})
    assert counted[(CODE, "draft")] == 2  # the earlier draft and the new entry, whichever went first
    maintained = summaries.snapshot()
    progress.recompute_all()
    db.session.commit()
    assert not summaries.differences(maintained, summaries.snapshot())
    assert audit.verify_chain().ok


def test_rebuilding_a_moved_trainees_tallies_costs_the_same_statements_however_many_entries_they_hold(app):
    """A write that finds the trainee moved meanwhile rebuilds their tallies (as the move does): their credit map is
    looked up once, not once per entry on an old code."""
    from tests.support.statements import statements_during

    counts = []
    for entries in (2, 6):
        trainee = TraineeFactory(
            profile__curriculum_version="2010", profile__current_stage="advanced", profile__stage_started_on=clock.days_ago(300)
        )
        for _ in range(entries):
            EvidenceFactory(trainee=trainee, stage_level="advanced", codes=(CODE,))
        admin = AdminFactory()
        transitions.move(admin, db.session.get(TraineeProfile, trainee.id), "2021", clock.today(), "")
        db.session.commit()
        counts.append(len(statements_during(lambda trainee_id=trainee.id: progress.rebuild_trainee(trainee_id))))
        db.session.rollback()
        assert (
            Counter(
                {
                    t.competency_code: t.count
                    for t in db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee.id))
                }
            )["S3_PM_01"]
            == entries
        )  # PM_HK_02's mapped credit, counted for every entry
    assert counts[0] == counts[1], counts
