"""Helpers for the cohort, ARCP and admin tests: bulk trainees, evidence with sign-off requests, exam attempts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from tests.factories import _HASH
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import (
    EvidenceCompetency,
    EvidenceEntry,
    ExamAttempt,
    ExamSitting,
    SignOffRequest,
    TraineeProfile,
    TraineeProgress,
    User,
    UserRole,
)
from trainee_portal.summaries import progress
from trainee_portal.summaries import response_times as response_summary


def bulk_trainees(
    count: int, region, cohort=None, *, start_id: int = 100000, percent: float = 40.0, stage: str = "higher"
) -> list[int]:
    """Insert trainees with profiles and a current-stage progress row in a few statements."""
    today = clock.today()
    ids = list(range(start_id, start_id + count))
    db.session.execute(
        insert(User),
        [
            {
                "id": i,
                "email": f"bulk{i}@example.nhs.uk",
                "name": f"Dr Bulk {i:06d}",
                "password_hash": _HASH,
                "active": True,
                "must_change_password": False,
                "created_at": clock.now(),
            }
            for i in ids
        ],
    )
    db.session.execute(insert(UserRole), [{"user_id": i, "role": "trainee"} for i in ids])
    db.session.execute(
        insert(TraineeProfile),
        [
            {
                "user_id": i,
                "gmc_number": f"{5000000 + i:07d}"[-7:],
                "curriculum_version": "2021",
                "current_stage": stage,
                "programme_start": today - timedelta(days=900),
                "stage_started_on": today - timedelta(days=30),
                "region_id": region.id,
                "cohort_id": cohort.id if cohort else None,
                "last_activity_at": clock.now(),
            }
            for i in ids
        ],
    )
    db.session.execute(
        insert(TraineeProgress),
        [
            {
                "trainee_id": i,
                "stage_key": "stage-3",
                "stage_level": stage,
                "percent": percent,
                "competencies_total": 8,
                "competencies_complete": 3,
                "competencies_in_progress": 1,
                "ready_for_signoff": False,
                "updated_at": clock.now(),
            }
            for i in ids
        ],
    )
    db.session.commit()
    return ids


def add_evidence(
    trainee, code="S3_PM_01", evidence_type="wba.cbd", status="signed", level="3", stage_level="higher", occurred_on=None
) -> EvidenceEntry:
    entry = EvidenceEntry(
        trainee_id=trainee.id,
        evidence_type=evidence_type,
        stage_level=stage_level,
        occurred_on=occurred_on or clock.today() - timedelta(days=3),
        title="Case",
        supervision_level=level,
        status=status,
    )
    entry.competencies = [EvidenceCompetency(competency_code=code)]
    db.session.add(entry)
    db.session.flush()
    progress.record_change(trainee.id, progress.contribution(None), progress.contribution(entry))
    db.session.commit()
    return entry


def pending_request(trainee, supervisor, days_ago: int) -> SignOffRequest:
    entry = add_evidence(trainee, status="submitted")
    request = SignOffRequest(
        evidence_id=entry.id,
        requested_by_id=trainee.id,
        supervisor_id=supervisor.id,
        status="pending",
        created_at=clock.now() - timedelta(days=days_ago),
    )
    db.session.add(request)
    db.session.commit()
    return request


def decided_request(trainee, supervisor, days_to_decide: float) -> SignOffRequest:
    entry = add_evidence(trainee, status="signed")
    created = clock.now() - timedelta(days=30)
    request = SignOffRequest(
        evidence_id=entry.id,
        requested_by_id=trainee.id,
        supervisor_id=supervisor.id,
        status="signed",
        created_at=created,
        decided_at=created + timedelta(days=days_to_decide),
        decided_by_id=supervisor.id,
    )
    db.session.add(request)
    response_summary.record_decision(request, request.decided_at)  # as signoff.services.sign does
    db.session.commit()
    return request


def exam_attempts(trainee, recorder, part: str, results: list[str]) -> None:
    for index, result in enumerate(results):
        sits_on = date(2020, 3, 1) + timedelta(days=180 * index)
        sitting = db.session.scalar(select(ExamSitting).where(ExamSitting.part == part, ExamSitting.sits_on == sits_on))
        if sitting is None:
            sitting = ExamSitting(
                part=part, sits_on=sits_on, opens_on=sits_on - timedelta(days=90), closes_on=sits_on - timedelta(days=60)
            )
            db.session.add(sitting)
            db.session.flush()
        db.session.add(ExamAttempt(trainee_id=trainee.id, sitting_id=sitting.id, result=result, recorded_by_id=recorder.id))
    db.session.commit()


def set_profile(trainee, **values) -> None:
    profile = db.session.get(TraineeProfile, trainee.id)
    for key, value in values.items():
        setattr(profile, key, value)
    db.session.commit()


def days_ago(days: int) -> datetime:
    return clock.now() - timedelta(days=days)
