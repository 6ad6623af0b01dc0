"""The move between curriculum versions: checked by the core, recorded with its audit record in the caller's
transaction, the trainee's tallies rebuilt with the mapped credit."""

from __future__ import annotations

from datetime import date

from competencies import transition
from trainee_portal import audit, curricula
from trainee_portal.extensions import db
from trainee_portal.models import CurriculumTransition, TraineeProfile, User
from trainee_portal.platform.clock import uk_today
from trainee_portal.summaries import progress

MoveError = transition.TransitionError


def move(actor: User, profile: TraineeProfile, to_version: str, effective_on: date, note: str = "") -> CurriculumTransition:
    """Move the trainee to `to_version` from `effective_on`; MoveError says why not. The stage follows the mapping's
    stages and keeps its start date, so the expected trajectory still runs from when the trainee began it."""
    registry = curricula.registry()
    if to_version not in registry:
        raise MoveError(f"There is no curriculum version {to_version!r}. Choose one of the versions listed.")
    mappings = {(m.from_version, m.to_version): m for m in registry.mappings()}
    mapping = transition.mapping_for(mappings, profile.curriculum_version, to_version)
    moves = progress.transitions_of(profile.user_id)
    transition.check_date(effective_on, profile.programme_start, uk_today(), moves[-1].effective_on if moves else None)
    stage = transition.stage_after_move(
        mapping, registry.get(profile.curriculum_version), registry.get(to_version), profile.current_stage
    )
    # The trainee's tally rows first, before their row (as every evidence write takes them): a new entry of theirs
    # holding one of them finishes first, and one that comes later waits here, not on their row holding a tally.
    progress.lock_tallies(profile.user_id)
    row = CurriculumTransition(
        trainee_id=profile.user_id,
        from_version=profile.curriculum_version,
        to_version=to_version,
        from_stage=profile.current_stage,
        to_stage=stage.level,
        effective_on=effective_on,
        recorded_by_id=actor.id,
        note=note or "",
    )
    db.session.add(row)
    profile.curriculum_version, profile.current_stage = to_version, stage.level
    if registry.get(to_version).is_choice(stage.key):
        # The mapping names the SIA the old stage became (2010 Advanced → SIA Pain Medicine): the trainee follows it.
        profile.sia_stage_key = stage.key
    db.session.flush()
    progress.rebuild_trainee(profile.user_id)
    audit.record(  # last, as every evidence write appends: tallies, the trainee's row, then the audit head
        "curriculum.moved",
        row,
        {
            "from_version": row.from_version,
            "to_version": row.to_version,
            "from_stage": row.from_stage,
            "to_stage": row.to_stage,
            "sia_stage_key": profile.sia_stage_key,
            "stage_started_on": profile.stage_started_on.isoformat(),
            "effective_on": effective_on.isoformat(),
            "note": row.note,
        },
        actor=actor,
    )
    return row


def targets(profile: TraineeProfile) -> list[tuple[str, str]]:
    """The versions this trainee could move to: every other version a mapping leads to from theirs."""
    registry = curricula.registry()
    return [
        (m.to_version, f"{registry.get(m.to_version).title} ({m.to_version})")
        for m in registry.mappings()
        if m.from_version == profile.curriculum_version and m.to_version in registry
    ]
