"""Demo exam data: sittings past and upcoming around today, attempt histories that fill the pipeline,
a RAPM confirmation and mock scores. Reuses sittings other demo loaders made on the same date."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from trainee_portal.demo.accounts import by_email
from trainee_portal.exams import services
from trainee_portal.extensions import db
from trainee_portal.models import ExamAttempt, ExamSitting, MockExamScore, RapmConfirmation, TraineeProfile

# email local part, part, [(months ago, result, score)] – sittings on the 11th, as the cohort demo makes them
HISTORIES = [
    ("trainee", "MCQ", [(12, "fail", 52.0), (6, "pass", 68.5)]),
    ("samuel.adeyemi", "MCQ", [(33, "pass", 64.0)]),  # the pass expires within the next few months
    ("grace.mensah", "MCQ", [(30, "fail", 41.0), (24, "fail", 47.0), (18, "fail", 49.0), (12, "fail", 55.0)]),
    ("rory.doyle", "MCQ", [(36, "fail", None), (30, "fail", None), (24, "fail", None), (18, "fail", None), (12, "fail", None)]),
]
# email local part, GMC registered (years ago), FPM status, applied (months ago), member since (months ago), confirmed by
PREREQUISITES = [
    ("trainee", 9, "applied", 2, None, None),
    ("owen.price", 11, "member", 30, 28, "director"),
    ("rory.doyle", 10, "member", 40, 38, "director.nw"),  # eligible for a sixth MCQ attempt, with extra training
]
MOCKS = [
    ("trainee", "MCQ", 14, "Regional FFPMRCA revision day", 55.0),
    ("trainee", "MCQ", 10, "Online question bank, paper 3", 63.0),
    ("trainee", "SOE", 2, "Departmental mock SOE", 58.0),
]


def _month_11th(today: date, months_ago: int) -> date:
    return (today - timedelta(days=int(months_ago * 30.4))).replace(day=11)


def _sitting(part: str, sits_on: date, opens_on: date | None = None, closes_on: date | None = None) -> ExamSitting:
    sitting = db.session.scalar(select(ExamSitting).where(ExamSitting.part == part, ExamSitting.sits_on == sits_on))
    if sitting is None:
        sitting = ExamSitting(
            part=part,
            sits_on=sits_on,
            opens_on=opens_on or sits_on - timedelta(days=90),
            closes_on=closes_on or sits_on - timedelta(days=60),
        )
        db.session.add(sitting)
        db.session.flush()
    return sitting


def load(today: date) -> None:
    # Past sittings every six months for four years; upcoming ones with windows open now and later.
    for months_ago in range(6, 49, 6):
        for part in ("MCQ", "SOE"):
            _sitting(part, _month_11th(today, months_ago))
    _sitting("MCQ", today + timedelta(days=45), today - timedelta(days=14), today + timedelta(days=14))
    _sitting("SOE", today + timedelta(days=75), today - timedelta(days=7), today + timedelta(days=30))
    _sitting("MCQ", today + timedelta(days=225), today + timedelta(days=120), today + timedelta(days=150))
    _sitting("SOE", today + timedelta(days=260), today + timedelta(days=160), today + timedelta(days=190))
    for local, part, results in HISTORIES:
        trainee = by_email(local)
        if trainee is None:
            continue
        profile = db.session.get(TraineeProfile, trainee.id)
        for months_ago, result, score in results:
            sitting = _sitting(part, _month_11th(today, months_ago))
            exists = db.session.scalar(
                select(ExamAttempt.id).where(ExamAttempt.trainee_id == trainee.id, ExamAttempt.sitting_id == sitting.id)
            )
            if exists is None:
                services.record_attempt(profile, sitting, result, score, None, trainee)
    for local, part, months_ago, title, score in MOCKS:
        trainee = by_email(local)
        if trainee is not None:
            db.session.add(
                MockExamScore(
                    trainee_id=trainee.id,
                    part=part,
                    title=title,
                    score_percent=score,
                    taken_on=today - timedelta(days=int(months_ago * 30.4)),
                )
            )
    owen, director = by_email("owen.price"), by_email("director")
    if (
        owen is not None
        and director is not None
        and db.session.scalar(select(RapmConfirmation.id).where(RapmConfirmation.trainee_id == owen.id)) is None
    ):
        started = db.session.get(TraineeProfile, owen.id).stage_started_on
        services.confirm_rapm(
            owen.id,
            SimpleNamespace(  # through the service, so the audit log records it
                confirmed_on=SimpleNamespace(data=today - timedelta(days=60)),
                stage3_pain_complete=SimpleNamespace(data=True),
                advanced_training_started_on=SimpleNamespace(data=started),
                note=SimpleNamespace(data="Stage 3 pain HALO signed; SIA Pain Medicine in progress."),
            ),
            director,
        )
    _prerequisites(today)
    db.session.flush()


def _prerequisites(today: date) -> None:
    """GMC registration and FPM membership as trainees record them (through the service, so audited)."""
    months = lambda n: None if n is None else SimpleNamespace(data=today - timedelta(days=int(n * 30.4)))  # noqa: E731
    for local, gmc_years, status, applied, since, confirmer in PREREQUISITES:
        trainee = by_email(local)
        if trainee is None or services.queries.latest_prerequisites(trainee.id) is not None:
            continue
        form = SimpleNamespace(
            gmc_registered_on=months(12 * gmc_years),
            fpm_status=SimpleNamespace(data=status),
            fpm_applied_on=months(applied),
            fpm_member_since=months(since) or SimpleNamespace(data=None),
            good_standing=SimpleNamespace(data=status == "member"),
        )
        row = services.record_prerequisites(trainee.id, form, trainee, confirmed=False)
        director = by_email(confirmer) if confirmer else None
        if director is not None:
            services.confirm_prerequisites(row, director)
