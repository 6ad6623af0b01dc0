"""Changes to exam records, each checked against the core's rules and audited in the caller's transaction."""

from __future__ import annotations

from flask_login import current_user

from competencies.exam import Attempt, recording_problems
from trainee_portal import audit, curricula
from trainee_portal.audit import text_sha256
from trainee_portal.exams import queries
from trainee_portal.exams.forms import uk_today
from trainee_portal.extensions import db
from trainee_portal.models import ExamAttempt, ExamPrerequisite, ExamSitting, MockExamScore, RapmConfirmation, TraineeProfile
from trainee_portal.summaries import trainee_summary


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
    rapm = queries.rapm_status(queries.latest_rapm(profile.user_id), queries.core_periods(profile.user_id))
    return recording_problems(rules, queries.core_attempts(rows), new, uk_today(), rapm)


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
    trainee_summary.refresh_exams(attempt.trainee_id)  # the cohort's exam column and the pipeline
    return attempt


def correct_attempt(attempt: ExamAttempt, result: str, score: float | None, note: str | None, reason: str, actor) -> None:
    before = {"result": attempt.result, "score": attempt.score, "extra_training_note": attempt.extra_training_note}
    attempt.result, attempt.score, attempt.extra_training_note = result, score, _clean(note)
    attempt.corrected_by_id = actor.id
    db.session.flush()
    trainee_summary.refresh_exams(attempt.trainee_id)
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
    trainee_summary.refresh_exams(trainee_id)  # the SOE's windows follow the confirmation
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


def _prerequisite_columns(row: ExamPrerequisite) -> dict:
    """Every column of the record, as the audit log keeps them (verify-audit compares them)."""
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "trainee_id": row.trainee_id,
        "gmc_registered_on": day(row.gmc_registered_on),
        "fpm_status": row.fpm_status,
        "fpm_applied_on": day(row.fpm_applied_on),
        "fpm_member_since": day(row.fpm_member_since),
        "good_standing": row.good_standing,
        "recorded_by_id": row.recorded_by_id,
        "confirmed_by_id": row.confirmed_by_id,
        "confirmed_on": day(row.confirmed_on),
    }


def record_prerequisites(trainee_id: int, form, actor, confirmed: bool) -> ExamPrerequisite:
    """A new statement of GMC registration and FPM membership (the latest counts); confirmed at once when a director
    in scope records it and says so."""
    status = form.fpm_status.data
    row = ExamPrerequisite(
        trainee_id=trainee_id,
        gmc_registered_on=form.gmc_registered_on.data,
        fpm_status=status,
        fpm_applied_on=form.fpm_applied_on.data if status != "none" else None,
        fpm_member_since=form.fpm_member_since.data if status == "member" else None,
        good_standing=bool(form.good_standing.data) and status == "member",
        recorded_by_id=actor.id,
        confirmed_by_id=actor.id if confirmed else None,
        confirmed_on=uk_today() if confirmed else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("exam.prerequisites_recorded", row, _prerequisite_columns(row), actor=actor)
    trainee_summary.refresh_exams(trainee_id)  # the closing dates each part's windows accept
    return row


def confirm_prerequisites(row: ExamPrerequisite, actor) -> None:
    row.confirmed_by_id, row.confirmed_on = actor.id, uk_today()
    audit.record("exam.prerequisites_confirmed", row, _prerequisite_columns(row), actor=actor)
