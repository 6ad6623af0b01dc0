"""The maintained progress summary always equals a recomputation from the raw evidence."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import CaseDiscussionFactory, TraineeFactory
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceTally, TraineeProgress
from trainee_portal.summaries import progress

CODES = ["S3_PM_01", "S3_PM_02", "S3_PM_03", "SIA_PM_C"]
TYPES = ["logbook.clinic", "wba.cbd", "wba.dops", "logbook.procedure"]

operation = st.tuples(
    st.sampled_from(["add", "status", "supersede"]),
    st.sampled_from(CODES),
    st.sampled_from(TYPES),
    st.sampled_from(["1", "2a", "2b", "3", "4", None]),
    st.sampled_from(["draft", "submitted", "signed", "returned"]),
    st.integers(min_value=0, max_value=20),
)


def _snapshot(trainee_id):
    tallies = sorted(
        (t.competency_code, t.evidence_type, t.supervision_level, t.status, t.count)
        for t in db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id))
    )
    stages = sorted(
        (p.stage_key, p.percent, p.competencies_complete, p.ready_for_signoff)
        for p in db.session.scalars(
            select(TraineeProgress).where(TraineeProgress.trainee_id == trainee_id).execution_options(populate_existing=True)
        )
    )
    return tallies, stages


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_maintained_summary_equals_recompute(app, ops):
    trainee = TraineeFactory()
    entries = []
    for kind, code, evidence_type, level, status, pick in ops:
        if kind == "add" or not entries:
            entry = CaseDiscussionFactory(
                trainee=trainee,
                codes=(code,),
                evidence_type=evidence_type,
                occurred_on=date(2026, 2, 1),
                supervision_level=level,
                status=status,
            )
            entries.append(entry)
        else:
            entry = entries[pick % len(entries)]
            before = progress.contribution(entry)
            if kind == "status":
                entry.status = status
            else:
                entry.superseded_at = entry.superseded_at or entry.created_at
            progress.record_change(trainee.id, before, progress.contribution(entry))
    db.session.commit()
    maintained = _snapshot(trainee.id)
    progress.recompute_all()
    db.session.commit()
    assert _snapshot(trainee.id) == maintained
    for e in entries:
        db.session.delete(e)
    db.session.commit()


def test_every_stage_of_the_curriculum_gets_a_summary_row(app):
    trainee = TraineeFactory(profile__curriculum_version="2010")
    progress.refresh_trainee(trainee.id)
    db.session.commit()
    keys = {p.stage_key for p in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == trainee.id))}
    assert keys == {s.key for s in curricula.curriculum("2010").stages}
