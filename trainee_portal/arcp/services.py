"""Recording ARCP outcomes with a stored summary of the evidence the panel looked at."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from competencies import arcp, panel_pack
from trainee_portal import audit
from trainee_portal.audit import text_sha256
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, EvidenceEntry, PanelPack, TraineeProfile, TraineeProgress, User
from trainee_portal.notifications.outbox import app_path, notify

TRAINING_YEARS = ("CT1", "CT2", "CT3", "ST3", "ST4", "ST5", "ST6", "ST7", "ST8")


def evidence_summary(trainee_id: int) -> dict:
    """Counts of current evidence by stage, type and status, and each stage's percentage, as they stand now."""
    rows = db.session.execute(
        select(EvidenceEntry.stage_level, EvidenceEntry.evidence_type, EvidenceEntry.status, func.count())
        .where(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.superseded_at.is_(None))
        .group_by(EvidenceEntry.stage_level, EvidenceEntry.evidence_type, EvidenceEntry.status)
    ).all()
    stages: dict[str, dict] = {}
    for level, kind, status, count in rows:
        stage = stages.setdefault(level, {"by_type": {}, "total": 0, "signed": 0})
        stage["by_type"][kind] = stage["by_type"].get(kind, 0) + count
        stage["total"] += count
        if status == "signed":
            stage["signed"] += count
    for item in db.session.scalars(select(TraineeProgress).where(TraineeProgress.trainee_id == trainee_id)):
        stage = stages.setdefault(item.stage_level, {"by_type": {}, "total": 0, "signed": 0})
        stage["percent"] = item.percent
        stage["competencies_complete"] = item.competencies_complete
        stage["competencies_total"] = item.competencies_total
    return {"stages": stages, "evidence_total": sum(s["total"] for s in stages.values())}


def panel_taken(trainee_id: int, training_year: str, panel_date: date) -> bool:
    """Whether this trainee already has an outcome for this training year from a panel on this date."""
    query = (
        select(func.count())
        .select_from(ArcpOutcome)
        .where(
            ArcpOutcome.trainee_id == trainee_id, ArcpOutcome.training_year == training_year, ArcpOutcome.panel_date == panel_date
        )
    )
    return db.session.scalar(query) > 0


def record_outcome(
    trainee: TraineeProfile,
    actor: User,
    *,
    training_year: str,
    outcome: str,
    panel_date: date,
    notes: str,
    pack: PanelPack | None = None,
) -> ArcpOutcome:
    """Add the outcome and its audit record in the caller's transaction (the caller commits). Against a frozen
    pack, the summary stored is the pack's (what the panel saw at its cut-off); without one (a panel held outside
    the app), it is the record as it stands when the outcome is typed in."""
    if outcome not in arcp.BY_CODE or training_year not in TRAINING_YEARS:
        raise ValueError("unknown outcome or training year")
    if pack is not None and pack.trainee_id != trainee.user_id:
        raise ValueError("the pack is another trainee's")
    summary = panel_pack.summary(json.loads(pack.items)) if pack is not None else evidence_summary(trainee.user_id)
    record = ArcpOutcome(
        panel_pack_id=pack.id if pack is not None else None,
        trainee_id=trainee.user_id,
        training_year=training_year,
        outcome=outcome,
        panel_date=panel_date,
        notes=notes.strip(),
        evidence_summary=json.dumps(summary, sort_keys=True),
        recorded_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    trainee_user = db.session.get(User, trainee.user_id)
    notify(
        user=trainee_user,
        category="arcp.recorded",
        link=app_path("arcp.mine"),
        subject=f"Your ARCP outcome for {training_year} has been recorded",
        body=(
            f"Dear {trainee_user.name},\n\nYour ARCP panel of {panel_date.strftime('%-d %B %Y')} gave outcome {outcome} "
            f"({arcp.outcome(outcome).meaning}) for {training_year}. The panel's notes and the evidence it looked at are "
            "in the portfolio under ARCP outcomes.\n"
        ),
    )
    audit.record(
        "arcp.recorded",
        record,
        {
            "trainee_id": record.trainee_id,
            "training_year": training_year,
            "outcome": outcome,
            "panel_date": panel_date.isoformat(),
            "notes_sha256": text_sha256(record.notes),
            "recorded_by_id": actor.id,
            "evidence_total": summary["evidence_total"],
            "evidence_summary_sha256": text_sha256(record.evidence_summary),
            "panel_pack_id": record.panel_pack_id,
            **({"panel_pack_sha256": pack.items_sha256} if pack is not None else {}),
        },
        actor=actor,
    )
    return record


def outcomes_for(trainee_id: int) -> list[ArcpOutcome]:
    """The trainee's outcomes, latest panel first."""
    return db.session.scalars(
        select(ArcpOutcome)
        .where(ArcpOutcome.trainee_id == trainee_id)
        .order_by(ArcpOutcome.panel_date.desc(), ArcpOutcome.id.desc())
    ).all()


def reconvened_labels(outcomes: list[ArcpOutcome]) -> dict[int, str]:
    """ "Reconvened panel after outcome N" for each outcome that follows an earlier panel in its training year."""
    return arcp.reconvened(arcp.Panel(o.id, o.training_year, o.outcome, o.panel_date) for o in outcomes)


def parsed_summary(outcome: ArcpOutcome) -> dict:
    try:
        return json.loads(outcome.evidence_summary or "{}")
    except ValueError:
        return {}
