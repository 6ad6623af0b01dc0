"""A trainee's progress and exam readiness: GET /api/v1/trainees/{trainee_id}/progress and …/exam-readiness.

Read as the pages read them: the stage results from the trainee's tallies (summaries.progress), never from raw
evidence, and exam readiness from exams.queries.readiness, the exam page's own view."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from competencies import curriculum_progress
from competencies.exam import membership_deadline
from trainee_portal import curricula, policy
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import Blueprint
from trainee_portal.api.schemas.progress import ExamReadinessSchema, ProgressSchema
from trainee_portal.cohort.queries import exam_part_wording
from trainee_portal.exams import queries as exam_queries
from trainee_portal.extensions import db
from trainee_portal.models import StageSignOff, TraineeProfile, TraineeProgress, User
from trainee_portal.summaries import progress as summaries

blp = Blueprint("api_progress", __name__, description="A trainee's progress through their stages and their exam readiness.")


def viewed_profile(trainee_id: int) -> TraineeProfile:
    """The trainee's profile, for a caller who may view them (403 first, as the pages ask: an unknown trainee and one
    the caller may not see answer alike), else 404 when there is no such trainee."""
    policy.authorize(policy.can_view_trainee(current_user, trainee_id))
    profile = db.session.get(TraineeProfile, trainee_id)
    if profile is None:
        abort(404)
    return profile


def stage_summary(result) -> str:
    """The stage page's sentence for one stage's numbers."""
    noun = "competency" if result.total == 1 else "competencies"
    items = "item" if result.required_units == 1 else "items"
    return (
        f"{result.complete} of {result.total} {noun} complete, {result.in_progress} in progress, "
        f"{result.not_started} not started. Evidence: {result.satisfied_units} of {result.required_units} required "
        f"{items} in place (signed, or not needing sign-off)."
    )


def trainee_progress(profile: TraineeProfile) -> dict:
    curriculum = curricula.curriculum(profile.curriculum_version)
    counts = summaries.trainee_counts(profile.user_id)  # the tallies kept on every write
    results = curriculum_progress(curriculum, counts, profile.sia_stage_key, curricula.trainee_rules(profile))
    rows = {
        p.stage_key: p for p in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == profile.user_id))
    }
    signed = {
        row.stage_key: {"signed_on": row.signed_on, "signed_by": name}
        for row, name in db.session.execute(
            select(StageSignOff, User.name)
            .join(User, User.id == StageSignOff.signed_by_id)
            .where(StageSignOff.trainee_id == profile.user_id, StageSignOff.curriculum_version == curriculum.version)
        )
    }
    stages = []
    for key, result in results.items():
        row = rows.get(key)
        stages.append(
            {
                "key": key,
                "level": result.stage.level,
                "name": result.stage.name,
                "current": result.stage.level == profile.current_stage,
                "competencies_total": result.total,
                "competencies_complete": result.complete,
                "competencies_in_progress": result.in_progress,
                "competencies_not_started": result.not_started,
                "percent": result.competency_percent,
                "required_items": result.required_units,
                "items_in_place": result.satisfied_units,
                "summary": stage_summary(result),
                "ready_for_signoff": bool(row and row.ready_for_signoff),
                "closed": bool(row and row.complete),
                "signed_off": signed.get(key),
            }
        )
    return {
        "trainee_id": profile.user_id,
        "curriculum_version": curriculum.version,
        "curriculum_title": curriculum.title,
        "current_stage": profile.current_stage,
        "stages": stages,
    }


@blp.route("/trainees/<int:trainee_id>/progress")
@requires_scope("read")
@blp.etag
@blp.response(200, ProgressSchema)
def progress(trainee_id: int):
    """The trainee's progress in each stage they follow, counted as their stage pages count it."""
    return trainee_progress(viewed_profile(trainee_id))


def sources(keys, curriculum) -> list[dict]:
    """Each source key as the pages cite it: its citation in its own words and its address, when it has one."""
    found = []
    for key in keys:
        source = curriculum.sources.get(key)
        found.append({"key": key, "citation": source.citation if source else key, "url": source.url if source else None})
    return found


def eligibility(item, curriculum) -> dict:
    sitting = item.sitting
    return {
        "sitting": {
            "id": sitting.id,
            "part": sitting.part,
            "sits_on": sitting.sits_on,
            "opens_on": sitting.opens_on,
            "closes_on": sitting.closes_on,
            "membership_deadline": membership_deadline(curriculum.exam, sitting),
        },
        "attempt_number": item.attempt_number,
        "window": item.window,
        "needed": item.needed,
        "eligible": item.eligible,
        "checks": [
            {"rule": c.rule, "title": c.title, "status": c.status, "reason": c.reason, "sources": sources(c.sources, curriculum)}
            for c in item.checks
        ],
    }


@blp.route("/trainees/<int:trainee_id>/exam-readiness")
@requires_scope("read")
@blp.etag
@blp.response(200, ExamReadinessSchema)
def exam_readiness(trainee_id: int):
    """What the exam readiness page shows: each part's attempts, the conditions to sit each upcoming sitting (with
    their sources), and the next sitting the trainee may apply for."""
    view = exam_queries.readiness(viewed_profile(trainee_id))
    curriculum, history = view.curriculum, view.history
    nxt = view.next_open
    return {
        "trainee_id": trainee_id,
        "curriculum_version": curriculum.version,
        "mcq": {
            "attempts": history.mcq.attempts,
            "passed_on": history.mcq.passed_on,
            "status": exam_part_wording("MCQ", history.mcq.attempts, history.mcq.passed_on is not None),
        },
        "soe": {
            "attempts": history.soe.attempts,
            "passed_on": history.soe.passed_on,
            "status": exam_part_wording("SOE", history.soe.attempts, history.soe.passed_on is not None),
        },
        "mcq_expires_on": view.mcq_expires_on,
        "rapm_confirmed_on": view.rapm.confirmed_on if view.rapm else None,
        "next_sitting": eligibility(nxt, curriculum) if nxt else None,
        "upcoming": [eligibility(item, curriculum) for item in view.upcoming],
    }
