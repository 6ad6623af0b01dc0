"""Reads for the HALO pages and the stage pages: a stage's requests, the evidence mapped to a stage, the queue."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from competencies import Stage
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, HaloRequest, TraineeProfile, User
from trainee_portal.summaries import progress

WITH_PEOPLE = (joinedload(HaloRequest.trainee), joinedload(HaloRequest.decided_by))


def credit_of(trainee_id: int) -> dict[str, tuple[str, ...]]:
    """For a trainee moved between curricula: old code → the new codes it counts towards; empty otherwise."""
    return progress.credit_maps([trainee_id]).get(trainee_id, {})


def stage_evidence(trainee_id: int, stage: Stage, credit: dict[str, tuple[str, ...]] | None = None) -> list[EvidenceEntry]:
    """The trainee's current entries claiming at least one competency of the stage, newest first; after a move
    between curricula, also those recorded against old codes the mapping counts towards the stage (`credit`)."""
    codes = {c.code for c in stage.competencies}
    credit = credit_of(trainee_id) if credit is None else credit
    codes |= {old for old, new in credit.items() if codes.intersection(new)}
    return db.session.scalars(
        select(EvidenceEntry)
        .where(
            EvidenceEntry.trainee_id == trainee_id,
            EvidenceEntry.superseded_at.is_(None),
            exists().where(
                EvidenceCompetency.evidence_id == EvidenceEntry.id, EvidenceCompetency.competency_code.in_(sorted(codes))
            ),
        )
        .order_by(EvidenceEntry.occurred_on.desc(), EvidenceEntry.id.desc())
    ).all()


def evidence_by_competency(
    entries: list[EvidenceEntry], credit: dict[str, tuple[str, ...]] | None = None
) -> dict[str, list[EvidenceEntry]]:
    """Each competency code with the entries counting towards it: those claiming it, and through `credit` those
    claiming an old code mapped to it (each entry once per code)."""
    by_code = defaultdict(list)
    for entry in entries:
        targets = dict.fromkeys(c for code in entry.competency_codes for c in (code, *(credit or {}).get(code, ())))
        for code in targets:
            by_code[code].append(entry)
    return by_code


def requests_for_stage(trainee_id: int, version: str, stage_key: str) -> list[HaloRequest]:
    """Every HALO request of the trainee for one stage, newest first."""
    return db.session.scalars(
        select(HaloRequest)
        .where(
            HaloRequest.trainee_id == trainee_id, HaloRequest.curriculum_version == version, HaloRequest.stage_key == stage_key
        )
        .options(*WITH_PEOPLE)
        .order_by(HaloRequest.created_at.desc(), HaloRequest.id.desc())
    ).all()


def signed_stage_keys(trainee_id: int, version: str) -> set[str]:
    return set(
        db.session.scalars(
            select(HaloRequest.stage_key).where(
                HaloRequest.trainee_id == trainee_id, HaloRequest.curriculum_version == version, HaloRequest.status == "signed"
            )
        )
    )


def queue_for(reviewer: User, open_only: bool = True, limit: int = 200) -> list[HaloRequest]:
    """Requests from trainees of the reviewer's regions, oldest open first (or the latest decisions)."""
    query = (
        select(HaloRequest)
        .join(TraineeProfile, TraineeProfile.user_id == HaloRequest.trainee_id)
        .where(TraineeProfile.region_id.in_(policy.halo_region_ids(reviewer)), HaloRequest.trainee_id != reviewer.id)
        .options(*WITH_PEOPLE)
    )
    if open_only:
        query = query.where(HaloRequest.status == "requested").order_by(HaloRequest.created_at, HaloRequest.id)
    else:
        query = query.where(HaloRequest.status.in_(("signed", "returned"))).order_by(HaloRequest.decided_at.desc())
    return db.session.scalars(query.limit(limit)).all()


def evidence_changed(halo_request: HaloRequest) -> set[int]:
    """Ids of the named evidence whose content moved on since the request: a new version replaced it or its content
    hash changed (the row version also moves when it is only signed, so it is kept on record but not compared)."""
    changed = set()
    for item in halo_request.evidence:
        entry = item.entry
        if entry.superseded_at is not None or entry.content_hash != item.content_hash:
            changed.add(item.evidence_id)
    return changed
