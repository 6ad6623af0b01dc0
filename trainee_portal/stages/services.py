"""What the stage pages change: the SIA a trainee follows at the advanced slot, audited."""

from __future__ import annotations

from trainee_portal import audit, curricula
from trainee_portal.summaries import progress


def choose_sia(actor, profile, stage_key: str) -> bool:
    """Record the SIA this trainee follows and refresh their progress summaries (the caller commits); False when it
    was already theirs. The stage key must be one of their curriculum's SIAs (the form checks it)."""
    if not curricula.curriculum(profile.curriculum_version).is_choice(stage_key):
        raise ValueError(f"{stage_key!r} is not an SIA of curriculum {profile.curriculum_version}")
    before = profile.sia_stage_key
    if before == stage_key:
        return False
    profile.sia_stage_key = stage_key
    progress.refresh_trainee(profile.user_id)
    audit.append(
        "profile.sia_chosen",
        subject_type="trainee_profile",
        subject_id=profile.user_id,
        trainee_id=profile.user_id,
        payload={"before": before, "after": stage_key, "curriculum_version": profile.curriculum_version},
        actor=actor,
    )
    return True
