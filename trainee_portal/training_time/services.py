"""Adding, ending and removing training periods, each with its audit record, and the read model they feed: the
trainee's current stage end in training time (TraineeProfile.stage_ends_on), kept whenever a period or the
trainee's stage changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from competencies import stage_ends_on
from competencies.training_time import Period, clashes, period_problems
from trainee_portal import audit, curricula
from trainee_portal.audit import text_sha256
from trainee_portal.extensions import db
from trainee_portal.models import TraineeProfile, TrainingPeriod, User
from trainee_portal.summaries import trainee_summary
from trainee_portal.training_time.queries import core_period, core_periods, periods_of

STAGE_FIELDS = ("stage_started_on", "current_stage", "curriculum_version")


def problems(trainee_id: int, period: Period, ignore_id: int | None = None) -> dict[str, list[str]]:
    """Why the period cannot be kept for this trainee, by form field ("" for the form as a whole)."""
    found = {name: [message] for name, message in period_problems(period).items()}
    others = [core_period(r) for r in periods_of(trainee_id) if r.id != ignore_id]
    overlaps = clashes(period, others)
    if overlaps:
        found[""] = overlaps
    return found


def _payload(row: TrainingPeriod) -> dict:
    return {
        "trainee_id": row.trainee_id,
        "kind": row.kind,
        "wte_percent": row.wte_percent,
        "starts_on": row.starts_on.isoformat(),
        "ends_on": row.ends_on.isoformat() if row.ends_on else None,
        "note_sha256": text_sha256(row.note),
    }


def add_period(profile: TraineeProfile, period: Period, note: str, actor: User) -> TrainingPeriod:
    """Add a period the caller checked with problems(); audited in the caller's transaction (the caller commits)."""
    row = TrainingPeriod(
        trainee_id=profile.user_id,
        kind=period.kind,
        wte_percent=period.wte_percent,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        note=(note or "").strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("training_period.added", row, {**_payload(row), "recorded_by_id": actor.id}, actor=actor)
    refresh_stage_end(profile)
    trainee_summary.refresh_exams(profile.user_id)  # training time moves the day the SOE's months are reached
    return row


def end_period(row: TrainingPeriod, ends_on: date, actor: User) -> None:
    old = row.ends_on
    row.ends_on = ends_on
    audit.record("training_period.ended", row, {**_payload(row), "old_ends_on": old.isoformat() if old else None}, actor=actor)
    db.session.flush()
    refresh_stage_end(db.session.get(TraineeProfile, row.trainee_id))
    trainee_summary.refresh_exams(row.trainee_id)


def delete_period(row: TrainingPeriod, reason: str, actor: User) -> None:
    audit.record("training_period.deleted", row, {**_payload(row), "reason": reason.strip()}, actor=actor)
    db.session.delete(row)
    db.session.flush()
    refresh_stage_end(db.session.get(TraineeProfile, row.trainee_id))
    trainee_summary.refresh_exams(row.trainee_id)


def refresh_stage_end(profile: TraineeProfile, session=None) -> None:
    """Keep the profile's current stage end in training time: None without periods (the curriculum length applies)."""
    periods = core_periods(profile.user_id, session)
    end = None
    if periods:
        try:
            stage = curricula.curriculum(profile.curriculum_version).stage_for_level(profile.current_stage)
        except KeyError:
            stage = None
        end = stage_ends_on(stage, profile.stage_started_on, periods) if stage else None
    if profile.stage_ends_on != end:
        profile.stage_ends_on = end


@event.listens_for(Session, "before_flush")
def _stage_changed(session, flush_context, instances) -> None:
    """Whoever moves a trainee's stage (an administrator, a sign-off, a curriculum move), the stage end follows."""
    for profile in [o for o in session.dirty if isinstance(o, TraineeProfile)]:
        state = inspect(profile)
        if any(state.attrs[name].history.has_changes() for name in STAGE_FIELDS):
            with session.no_autoflush:
                refresh_stage_end(profile, session)
