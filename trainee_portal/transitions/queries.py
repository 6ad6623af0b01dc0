"""Reads for the pages that show a move: the trainee's moves, the side-by-side view of a stage, credited entries."""

from __future__ import annotations

from sqlalchemy import exists

from competencies import transition
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.logbook.queries import current_entries
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, TraineeProfile
from trainee_portal.summaries import progress


def arrival(profile: TraineeProfile):
    """(the move that brought the trainee onto their curriculum, its mapping, the old curriculum), or None."""
    moves = [m for m in progress.transitions_of(profile.user_id) if m.to_version == profile.curriculum_version]
    registry = curricula.registry()
    for move in reversed(moves):
        try:
            return move, registry.mapping(move.from_version, move.to_version), registry.get(move.from_version)
        except KeyError:
            continue
    return None


def side_by_side(profile: TraineeProfile, stage_key: str) -> dict | None:
    """For a moved trainee, the old stage mapped to this one beside it: each old competency, its evidence and the
    new codes it counts towards; None when the trainee has not moved or no old stage maps here."""
    found = arrival(profile)
    if found is None:
        return None
    move, mapping, old = found
    new = curricula.curriculum(profile.curriculum_version)
    old_stage_keys = [old_key for old_key, new_key in mapping.stages if new_key == stage_key]
    codes = [c.code for key in old_stage_keys for c in old.stage(key).competencies]
    pairs = transition.side_by_side(mapping, old, new, progress.trainee_counts(profile.user_id, codes))
    pair = transition.stage_pair_for(pairs, stage_key)
    return None if pair is None else {"move": move, "mapping": mapping, "old": old, "pair": pair}


def credited_entries(profile: TraineeProfile, code: str, limit: int = 50) -> tuple[str | None, list[tuple]]:
    """A moved trainee's current entries recorded against old codes that count towards `code`, newest first, each
    with those old codes: (the old version, [(entry, old codes)])."""
    found = arrival(profile)
    if found is None:
        return None, []
    move, mapping, _old = found
    sources = mapping.sources_of(code)
    if not sources:
        return move.from_version, []
    entries = db.session.scalars(
        current_entries(profile.user_id)
        .where(
            exists().where(EvidenceCompetency.evidence_id == EvidenceEntry.id, EvidenceCompetency.competency_code.in_(sources))
        )
        .order_by(EvidenceEntry.occurred_on.desc(), EvidenceEntry.id.desc())
        .limit(limit)
    ).all()
    return move.from_version, [(e, [c for c in e.competency_codes if c in sources]) for e in entries]
