"""Helpers for the cohort tests: trainees in bulk, exam histories and profile changes."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from tests.factories import _HASH, ExamAttemptFactory, ExamSittingFactory
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile, TraineeProgress, User, UserRole


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


def exam_attempts(trainee, recorder, part: str, results: list[str]) -> None:
    """The trainee's results at successive sittings six months apart from March 2020, shared between trainees."""
    for index, result in enumerate(results):
        sitting = ExamSittingFactory(part=part, sits_on=date(2020, 3, 1) + timedelta(days=180 * index))
        ExamAttemptFactory(trainee=trainee, sitting=sitting, result=result, recorded_by_id=recorder.id)


def set_profile(trainee, **values) -> None:
    profile = db.session.get(TraineeProfile, trainee.id)
    for key, value in values.items():
        setattr(profile, key, value)
    db.session.commit()
