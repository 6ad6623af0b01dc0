"""Changes to exam records, each checked against the core's rules and audited in the caller's transaction."""

from __future__ import annotations

from flask_login import current_user

from competencies.exam import Attempt, recording_problems
from trainee_portal import audit, curricula
from trainee_portal.audit import text_sha256
from trainee_portal.exams import queries
from trainee_portal.exams.forms import uk_today
from trainee_portal.extensions import db
from trainee_portal.models import ExamAttempt, ExamSitting, MockExamScore, RapmConfirmation, TraineeProfile


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def attempt_problems(
    profile: TraineeProfile, sitting: ExamSitting, result: str, note: str | None, ignore_attempt_id: int | None = None
) -> list[str]:
    """Why this attempt cannot be recorded (or corrected to this), by the curriculum's exam rules."""
    rows = [r for r in queries.attempts_of(profile.user_id) if r.id != ignore_attempt_id]
    new = Attempt(sitting.part, sitting.sits_on, result, bool(_clean(note)))
    rules = curricula.curriculum(profile.curriculum_version).exam
    return recording_problems(rules, queries.core_attempts(rows), new, uk_today())


def decision_columns(attempt: ExamAttempt) -> dict:
    """Every column a decision on the attempt reads, as the audit log keeps them (verify-audit compares them)."""
    return {
        "trainee_id": attempt.trainee_id,
        "sitting_id": attempt.sitting_id,
        "result": attempt.result,
        "score": None if attempt.score is None else float(attempt.score),
        "extra_training_note_sha256": text_sha256(attempt.extra_training_note),
        "recorded_by_id": attempt.recorded_by_id,
        "corrected_by_id": attempt.corrected_by_id,
    }


def record_attempt(
    profile: TraineeProfile, sitting: ExamSitting, result: str, score: float | None, note: str | None, actor
) -> ExamAttempt:
    attempt = ExamAttempt(
        trainee_id=profile.user_id,
        sitting_id=sitting.id,
        result=result,
        score=score,
        extra_training_note=_clean(note),
        recorded_by_id=actor.id,
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        "exam.attempt_recorded",
        attempt,
        {"part": sitting.part, "sits_on": sitting.sits_on.isoformat(), **decision_columns(attempt)},
        actor=actor,
    )
    return attempt


def correct_attempt(attempt: ExamAttempt, result: str, score: float | None, note: str | None, reason: str, actor) -> None:
    before = {"result": attempt.result, "score": attempt.score, "extra_training_note": attempt.extra_training_note}
    attempt.result, attempt.score, attempt.extra_training_note = result, score, _clean(note)
    attempt.corrected_by_id = actor.id
    audit.record(
        "exam.attempt_corrected",
        attempt,
        {
            "before": before,
            "after": {"result": result, "score": score, "extra_training_note": attempt.extra_training_note},
            "reason": reason.strip(),
            **decision_columns(attempt),
        },
        actor=actor,
    )


def confirm_rapm(trainee_id: int, form, actor) -> RapmConfirmation:
    row = RapmConfirmation(
        trainee_id=trainee_id,
        confirmed_by_id=actor.id,
        confirmed_on=form.confirmed_on.data,
        stage3_pain_complete=bool(form.stage3_pain_complete.data),
        advanced_training_started_on=form.advanced_training_started_on.data,
        note=(form.note.data or "").strip(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "exam.rapm_confirmed",
        row,
        {
            "confirmed_on": row.confirmed_on.isoformat(),
            "advanced_training_started_on": row.advanced_training_started_on.isoformat(),
            "stage3_pain_complete": row.stage3_pain_complete,
            "trainee_id": trainee_id,
            "confirmed_by_id": actor.id,
            "note_sha256": text_sha256(row.note),
        },
        actor=actor,
    )
    return row


def save_sitting(sitting: ExamSitting | None, form, actor) -> ExamSitting:
    created = sitting is None
    sitting = sitting or ExamSitting()
    sitting.part, sitting.sits_on = form.part.data, form.sits_on.data
    sitting.opens_on, sitting.closes_on = form.opens_on.data, form.closes_on.data
    db.session.add(sitting)
    db.session.flush()
    audit.record(
        "exam.sitting_created" if created else "exam.sitting_changed",
        sitting,
        {
            "part": sitting.part,
            "sits_on": sitting.sits_on.isoformat(),
            "opens_on": sitting.opens_on.isoformat(),
            "closes_on": sitting.closes_on.isoformat(),
        },
        actor=actor,
    )
    return sitting


def add_mock_score(trainee_id: int, form, actor=None) -> MockExamScore:
    """Record a mock score; the actor defaults to the signed-in user when the route does not pass one."""
    if actor is None:
        actor = current_user if getattr(current_user, "is_authenticated", False) else None
    row = MockExamScore(
        trainee_id=trainee_id,
        part=form.part.data,
        taken_on=form.taken_on.data,
        title=form.title.data.strip(),
        score_percent=form.score_percent.data,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "exam.mock_score_recorded",
        row,
        {"part": row.part, "taken_on": row.taken_on.isoformat(), "title": row.title, "score_percent": row.score_percent},
        actor=actor,
    )
    return row
