"""Demo data for the cohort dashboard: ARCP outcomes, and exam histories that make the attempts flag real."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from trainee_portal.arcp import services as arcp
from trainee_portal.demo.accounts import by_email
from trainee_portal.exams import services as exam_services
from trainee_portal.extensions import db
from trainee_portal.models import ExamAttempt, ExamSitting, TraineeProfile
from trainee_portal.summaries import progress

# email local part, training year, outcome, months before today, notes
OUTCOMES = [
    ("trainee", "ST5", "1", 5, "Satisfactory progress. Stage 3 pain block to start in the spring."),
    ("trainee2010", "ST6", "1", 4, "On track for the Advanced year; MSF and ESSR satisfactory."),
    ("trainee2010", "ST5", "1", 16, "Higher pain training completed."),
    ("grace.mensah", "ST4", "2", 3, "Needs more supervised chronic pain clinics and two CBDs before the next review."),
    ("samuel.adeyemi", "ST5", "5", 2, "Incomplete evidence: ESSR missing. Panel to reconvene when it is submitted."),
    ("samuel.adeyemi", "ST5", "1", 1, "Reconvened once the ESSR was submitted: satisfactory progress."),
    ("owen.price", "ST6", "1", 6, "Good progress in the SIA year."),
]

# email local part, part, results oldest first (one sitting each, roughly six months apart)
EXAM_HISTORIES = [
    ("owen.price", "MCQ", ["fail", "fail", "fail", "pass"]),
    ("owen.price", "SOE", ["fail"]),
    ("trainee2010", "MCQ", ["pass"]),
    ("fiona.campbell", "MCQ", ["fail", "fail", "fail", "fail"]),
]


def _sitting(part: str, sits_on: date) -> ExamSitting:
    """Reuse a sitting another demo loader made on that date; the (part, date) pair is unique."""
    sitting = db.session.scalar(select(ExamSitting).where(ExamSitting.part == part, ExamSitting.sits_on == sits_on))
    if sitting is None:
        sitting = ExamSitting(
            part=part, sits_on=sits_on, opens_on=sits_on - timedelta(days=90), closes_on=sits_on - timedelta(days=60)
        )
        db.session.add(sitting)
        db.session.flush()
    return sitting


def load(today: date) -> None:
    director = by_email("director")
    director_nw = by_email("director.nw")
    # Tallies first, so each outcome stores the evidence summary the panel really saw.
    progress.recompute_all()
    seen: dict[tuple, int] = {}
    for local, year, outcome, months_ago, notes in OUTCOMES:
        trainee = by_email(local)
        # The n-th demo panel of a training year is recorded once there are fewer than n (reconvened panels too).
        nth = seen[(local, year)] = seen.get((local, year), 0) + 1
        if trainee is None or sum(o.training_year == year for o in arcp.outcomes_for(trainee.id)) >= nth:
            continue
        profile = db.session.get(TraineeProfile, trainee.id)
        arcp.record_outcome(
            profile,
            director,
            training_year=year,
            outcome=outcome,
            panel_date=today - timedelta(days=int(months_ago * 30.4)),
            notes=notes,
        )
    for local, part, results in EXAM_HISTORIES:
        trainee = by_email(local)
        if trainee is None:
            continue
        recorder = director if trainee.trainee_profile.region.name == "London" else director_nw
        for index, result in enumerate(results):
            # One sitting about every six months, on the 11th, counting back from the latest.
            months_back = 6 * (len(results) - index)
            sits_on = (today - timedelta(days=int(months_back * 30.4))).replace(day=11)
            sitting = _sitting(part, sits_on)
            exists = db.session.scalar(
                select(ExamAttempt.id).where(ExamAttempt.trainee_id == trainee.id, ExamAttempt.sitting_id == sitting.id)
            )
            if exists is None:
                exam_services.record_attempt(trainee.trainee_profile, sitting, result, None, None, recorder)  # audited
    db.session.flush()
