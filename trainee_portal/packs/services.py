"""Freezing a panel pack at the cut-off and recording an ARCP outcome against it.

A pack is the trainee's record as it stood at the end of the panel's cut-off day (competencies/panel_pack.py says
what counts then). It is frozen once, audited with the SHA-256 of its JSON, and never updated: later entries,
signatures and edits do not reach it, and verify-audit reports a pack whose stored JSON no longer matches its hash.
"""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from competencies import EVIDENCE_TYPES, GUIDANCE_MODES, arcp, panel_pack, supervision_label
from trainee_portal import audit, curricula
from trainee_portal.extensions import db
from trainee_portal.logbook import vocab
from trainee_portal.models import (
    ArcpOutcome,
    ArcpPanel,
    ArcpPanelTrainee,
    AuditRecord,
    EvidenceCompetency,
    EvidenceEntry,
    ExamAttempt,
    HaloRequest,
    PanelPack,
    SignOff,
    SignOffRequest,
    StageSignOff,
    TraineeProfile,
    User,
)
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.signoff.labels import ASSURANCE_COUNTS, signature_label

PACK_FORMAT = 1  # the layout of PanelPack.items; a later layout gets a new number and keeps reading this one


def _evidence(trainee_id: int, instant) -> list[dict]:
    entries = db.session.scalars(
        select(EvidenceEntry)
        .where(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.created_at < instant)
        .where((EvidenceEntry.superseded_at.is_(None)) | (EvidenceEntry.superseded_at >= instant))
        .order_by(EvidenceEntry.occurred_on, EvidenceEntry.id)
    ).all()
    ids = [e.id for e in entries]
    if not ids:
        return []
    requests: dict[int, list[panel_pack.RequestSpan]] = defaultdict(list)
    for row in db.session.execute(
        select(SignOffRequest.evidence_id, SignOffRequest.created_at, SignOffRequest.decided_at, SignOffRequest.status).where(
            SignOffRequest.evidence_id.in_(ids)
        )
    ):
        closed = row.decided_at if row.status != "pending" else None
        requests[row.evidence_id].append(panel_pack.RequestSpan(row.created_at, closed))
    signatures: dict[int, list[SignOff]] = defaultdict(list)
    for signoff in db.session.scalars(
        select(SignOff)
        .where(SignOff.evidence_id.in_(ids), SignOff.signed_at < instant)
        .options(joinedload(SignOff.signer), joinedload(SignOff.confirmed_by))
        .order_by(SignOff.signed_at, SignOff.id)
    ):
        signatures[signoff.evidence_id].append(signoff)
    competencies: dict[int, list[str]] = defaultdict(list)
    for evidence_id, code in db.session.execute(
        select(EvidenceCompetency.evidence_id, EvidenceCompetency.competency_code)
        .where(EvidenceCompetency.evidence_id.in_(ids))
        .order_by(EvidenceCompetency.competency_code)
    ):
        competencies[evidence_id].append(code)
    updates: dict[int, list[tuple]] = defaultdict(list)
    for subject_id, created_at, payload in db.session.execute(
        select(AuditRecord.subject_id, AuditRecord.created_at, AuditRecord.payload).where(
            AuditRecord.trainee_id == trainee_id,
            AuditRecord.action == "evidence.updated",
            AuditRecord.created_at >= instant,
            AuditRecord.subject_id.in_(ids),
        )
    ):
        updates[subject_id].append((created_at, json.loads(payload).get("previous_hash")))
    items = []
    for entry in entries:
        status = panel_pack.status_at(entry.signed_at, requests[entry.id], instant)
        if status is None:
            continue  # a draft or a returned entry at the cut-off: not evidence put to the panel
        kind = EVIDENCE_TYPES.get(entry.evidence_type)
        items.append(
            {
                "id": entry.id,
                "version": entry.version,
                "kind": entry.evidence_type,
                "kind_label": kind.label if kind else entry.evidence_type,
                "stage_level": entry.stage_level,
                "occurred_on": entry.occurred_on.isoformat(),
                "title": entry.title,
                "supervision": supervision_label(entry.supervision_level),
                "guidance": GUIDANCE_MODES.get(entry.guidance or "", entry.guidance or ""),
                "technique": vocab.label("technique", entry.technique) if entry.technique else "",
                "competencies": competencies[entry.id],
                "status": status,
                "content_hash": panel_pack.content_hash_at(entry.content_hash, updates[entry.id], instant),
                "edited_after_cutoff": bool(updates[entry.id]),
                "signatures": [
                    {
                        "by": signature_label(s),
                        "assurance": s.assurance,
                        "signed_at": s.signed_at.isoformat(timespec="seconds"),
                        "supervision": supervision_label(s.supervision_level),
                        "content_hash": s.content_hash,
                        # counted then: given and not yet voided by then, of a kind that counts, confirmed by then
                        "counted": panel_pack.signature_counted_at(s.signed_at, s.voided_at, instant)
                        and s.assurance in ASSURANCE_COUNTS
                        and (s.confirmed_at is None or s.confirmed_at < instant),
                    }
                    for s in signatures[entry.id]
                ],
            }
        )
    return items


def _stage_name(version: str, stage_key: str) -> str:
    try:
        return curricula.curriculum(version).stage(stage_key).name
    except KeyError:
        return stage_key


def _halos(trainee_id: int, instant) -> list[dict]:
    rows = db.session.scalars(
        select(HaloRequest)
        .where(HaloRequest.trainee_id == trainee_id, HaloRequest.created_at < instant)
        .order_by(HaloRequest.created_at, HaloRequest.id)
    ).all()
    deciders = {
        u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_({r.decided_by_id for r in rows} - {None})))
    }
    out = []
    for r in rows:
        decided = panel_pack.at_or_before(r.decided_at, instant)
        out.append(
            {
                "id": r.id,
                "curriculum_version": r.curriculum_version,
                "stage": _stage_name(r.curriculum_version, r.stage_key),
                "status": r.status if decided else "requested",
                "requested_at": r.created_at.isoformat(timespec="seconds"),
                "decided_at": r.decided_at.isoformat(timespec="seconds") if decided else None,
                "decided_by": deciders.get(r.decided_by_id) if decided else None,
            }
        )
    return out


def _stage_signoffs(trainee_id: int, instant) -> list[dict]:
    rows = db.session.scalars(
        select(StageSignOff)
        .where(StageSignOff.trainee_id == trainee_id, StageSignOff.created_at < instant)
        .options(joinedload(StageSignOff.signed_by))
        .order_by(StageSignOff.signed_on)
    ).all()
    return [
        {
            "stage": _stage_name(r.curriculum_version, r.stage_key),
            "signed_on": r.signed_on.isoformat(),
            "signed_by": r.signed_by.name if r.signed_by else "",
        }
        for r in rows
    ]


def _exams(trainee_id: int, instant) -> list[dict]:
    rows = db.session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.trainee_id == trainee_id, ExamAttempt.created_at < instant)
        .options(joinedload(ExamAttempt.sitting))
        .order_by(ExamAttempt.created_at)
    ).all()
    corrections: dict[int, list[tuple]] = defaultdict(list)
    for subject_id, created_at, payload in db.session.execute(
        select(AuditRecord.subject_id, AuditRecord.created_at, AuditRecord.payload).where(
            AuditRecord.trainee_id == trainee_id,
            AuditRecord.action == "exam.attempt_corrected",
            AuditRecord.created_at >= instant,
        )
    ):
        corrections[subject_id].append((created_at, (json.loads(payload).get("before") or {}).get("result")))
    return [
        {
            "part": r.sitting.part,
            "sits_on": r.sitting.sits_on.isoformat(),
            "result": panel_pack.value_at(r.result, corrections[r.id], instant),  # as it stood at the cut-off
            "corrected_after_cutoff": r.updated_at >= instant,
        }
        for r in rows
    ]


def _outcomes(trainee_id: int, instant) -> list[dict]:
    rows = db.session.scalars(
        select(ArcpOutcome)
        .where(ArcpOutcome.trainee_id == trainee_id, ArcpOutcome.created_at < instant)
        .order_by(ArcpOutcome.panel_date)
    ).all()
    return [
        {
            "training_year": r.training_year,
            "panel_date": r.panel_date.isoformat(),
            "outcome": r.outcome,
            "meaning": arcp.CATALOGUE.meaning(r.outcome),
        }
        for r in rows
    ]


def build_document(panel: ArcpPanel, profile: TraineeProfile, readiness: ArcpPanelTrainee | None) -> dict:
    """The pack's content: the trainee's record at the end of the panel's cut-off day."""
    instant = panel_pack.cutoff_instant(panel.cutoff_date)
    try:
        detail = json.loads(readiness.readiness_detail) if readiness is not None else {}
    except ValueError:
        detail = {}
    return {
        "format": PACK_FORMAT,
        "trainee": {
            "id": profile.user_id,
            "name": profile.user.name,
            "gmc_number": profile.gmc_number,
            "curriculum_version": profile.curriculum_version,
        },
        "panel": {
            "id": panel.id,
            "panel_date": panel.panel_date.isoformat(),
            "training_year": panel.training_year,
            "cutoff_date": panel.cutoff_date.isoformat(),
            "cutoff_instant_utc": instant.isoformat(timespec="seconds"),
            "region": panel.region.name if panel.region else "",
        },
        "readiness": {"colour": readiness.readiness if readiness else "", "detail": detail},
        "evidence": _evidence(profile.user_id, instant),
        "halos": _halos(profile.user_id, instant),
        "stage_signoffs": _stage_signoffs(profile.user_id, instant),
        "exams": _exams(profile.user_id, instant),
        "arcp_outcomes": _outcomes(profile.user_id, instant),
    }


def existing(panel_id: int, trainee_id: int) -> PanelPack | None:
    return db.session.scalar(select(PanelPack).where(PanelPack.panel_id == panel_id, PanelPack.trainee_id == trainee_id))


def freeze(panel: ArcpPanel, trainee_id: int, *, actor: User | None = None) -> PanelPack | None:
    """The trainee's pack for the panel, frozen now if the cut-off day is over and it is not frozen yet; None before
    then (or for a trainee not on the panel). Commits a new pack; two freezings at once keep the first."""
    found = existing(panel.id, trainee_id)
    if found is not None or panel.cancelled_at is not None or not panel_pack.is_due(panel.cutoff_date, utcnow()):
        return found
    member = db.session.scalar(
        select(ArcpPanelTrainee).where(ArcpPanelTrainee.panel_id == panel.id, ArcpPanelTrainee.trainee_id == trainee_id)
    )
    profile = db.session.get(TraineeProfile, trainee_id)
    if member is None or profile is None:
        return None
    document = build_document(panel, profile, member)
    text = panel_pack.canonical(document)
    pack = PanelPack(
        panel_id=panel.id,
        trainee_id=trainee_id,
        cutoff_date=panel.cutoff_date,
        readiness=member.readiness,
        items=text,
        items_sha256=panel_pack.sha256(text),
    )
    try:
        with db.session.begin_nested():
            db.session.add(pack)
            db.session.flush()
            audit.record(
                "panel_pack.frozen",
                pack,
                {
                    "panel_id": panel.id,
                    "trainee_id": trainee_id,
                    "cutoff_date": panel.cutoff_date.isoformat(),
                    "items_sha256": pack.items_sha256,
                    "evidence_total": len(document["evidence"]),
                    "readiness": pack.readiness,
                },
                actor=actor,
                actor_label=None if actor is not None else "Panel cut-off (frozen by the app)",
            )
        db.session.commit()
    except IntegrityError:  # frozen at the same moment by another request or the daily command
        db.session.rollback()
        return existing(panel.id, trainee_id)
    return pack


def freeze_due() -> int:
    """Freeze every pack whose panel's cut-off day is over (panels not cancelled); returns how many were frozen."""
    members = db.session.execute(
        select(ArcpPanelTrainee.panel_id, ArcpPanelTrainee.trainee_id)
        .join(ArcpPanel, ArcpPanel.id == ArcpPanelTrainee.panel_id)
        .outerjoin(
            PanelPack, (PanelPack.panel_id == ArcpPanelTrainee.panel_id) & (PanelPack.trainee_id == ArcpPanelTrainee.trainee_id)
        )
        .where(ArcpPanel.cancelled_at.is_(None), PanelPack.id.is_(None), ArcpPanel.cutoff_date < uk_today())
        .order_by(ArcpPanel.cutoff_date, ArcpPanelTrainee.id)
    ).all()
    frozen = 0
    for panel_id, trainee_id in members:
        before = existing(panel_id, trainee_id)
        if before is None and freeze(db.session.get(ArcpPanel, panel_id), trainee_id) is not None:
            frozen += 1
    return frozen


def document(pack: PanelPack) -> dict:
    return json.loads(pack.items)


def intact(pack: PanelPack) -> bool:
    """Whether the stored JSON is still the one frozen (its SHA-256 unchanged)."""
    return panel_pack.sha256(pack.items) == pack.items_sha256


def on_panel(panel_id: int, trainee_id: int) -> bool:
    return (
        db.session.scalar(
            select(ArcpPanelTrainee.id).where(ArcpPanelTrainee.panel_id == panel_id, ArcpPanelTrainee.trainee_id == trainee_id)
        )
        is not None
    )
