"""Scheduling and cancelling panels, and a region's panel settings: each change audited, the cut-off counted with the
region's nation's bank holidays (platform.bank_holidays) and kept with the working-day count used, and every
trainee's readiness computed as the panel is scheduled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from competencies.readiness import cutoff_date
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, Cohort, Region, User
from trainee_portal.platform.bank_holidays import NATIONS, bank_holidays
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.summaries import readiness


class PanelError(ValueError):
    """A panel that cannot be scheduled as asked; the message is for the form."""


def region_cutoff(region: Region, panel_date: date) -> date:
    """The cut-off a panel on this date gets now: the region's working days, its nation's bank holidays."""
    holidays = bank_holidays(region.nation, panel_date)
    return cutoff_date(panel_date, region.arcp_cutoff_working_days, holidays)


def schedule(
    actor: User,
    region: Region,
    cohort: Cohort | None,
    panel_date: date,
    training_year: str,
    trainee_ids: list[int],
    allowed_ids: set[int],
    title: str = "",
    cutoff_passed: bool = False,
) -> ArcpPanel:
    """A new panel with its trainees (each of `trainee_ids` must be in `allowed_ids`, the scope's trainees the actor
    may see) and their readiness; the caller commits. `cutoff_passed` records a panel whose cut-off day is already
    over (the demo's panel under way; a programme joining mid-cycle): its readiness is as on the cut-off day and its
    packs freeze at once, from the record as it stood then."""
    if cohort is not None and cohort.region_id != region.id:
        raise PanelError("That cohort is not in that region.")
    chosen = sorted(set(trainee_ids))
    if not chosen:
        raise PanelError("Choose at least one trainee for the panel.")
    outside = [t for t in chosen if t not in allowed_ids]
    if outside:
        raise PanelError("Some of the trainees chosen are not in this region or cohort, or not yours to add.")
    if panel_date <= uk_today():
        raise PanelError("The panel date must be in the future.")
    cutoff = region_cutoff(region, panel_date)
    if cutoff < uk_today() and not cutoff_passed:
        raise PanelError(
            f"The cut-off for a panel on {panel_date:%-d %B %Y} would be {cutoff:%-d %B %Y}, already past: "
            "choose a later panel date."
        )
    panel = ArcpPanel(
        region_id=region.id,
        cohort_id=cohort.id if cohort else None,
        panel_date=panel_date,
        training_year=training_year,
        cutoff_working_days=region.arcp_cutoff_working_days,
        cutoff_date=cutoff,
        title=(title or "")[:120],
        created_by_id=actor.id,
    )
    db.session.add(panel)
    db.session.flush()
    db.session.add_all([ArcpPanelTrainee(panel_id=panel.id, trainee_id=t) for t in chosen])
    db.session.flush()
    audit.record("panel.scheduled", panel, _state(panel, chosen), actor=actor)
    if cutoff < uk_today():
        readiness.assess_at_cutoff(panel)
    for trainee_id in chosen:  # this panel's rows, and a later panel's review period now starting after this cut-off
        readiness.refresh_trainee(trainee_id)
    return panel


def _state(panel: ArcpPanel, trainee_ids: list[int]) -> dict:
    return {
        "region_id": panel.region_id,
        "cohort_id": panel.cohort_id,
        "panel_date": panel.panel_date.isoformat(),
        "training_year": panel.training_year,
        "cutoff_working_days": panel.cutoff_working_days,
        "cutoff_date": panel.cutoff_date.isoformat(),
        "title": panel.title,
        "trainee_ids": trainee_ids,
    }


def trainee_ids_of(panel: ArcpPanel) -> list[int]:
    return list(
        db.session.scalars(
            select(ArcpPanelTrainee.trainee_id).where(ArcpPanelTrainee.panel_id == panel.id).order_by(ArcpPanelTrainee.trainee_id)
        )
    )


def cancel(actor: User, panel: ArcpPanel) -> bool:
    """Mark the panel cancelled (kept, never deleted); False when it already was."""
    if panel.cancelled_at is not None:
        return False
    panel.cancelled_at = utcnow()
    trainee_ids = trainee_ids_of(panel)
    audit.record("panel.cancelled", panel, {**_state(panel, trainee_ids), "cancelled": True}, actor=actor)
    for trainee_id in trainee_ids:  # a later panel's review period no longer starts after this one's cut-off
        readiness.refresh_trainee(trainee_id)
    return True


def save_settings(actor: User, region: Region, nation: str, working_days: int) -> bool:
    """A region's nation and cut-off working days; False when nothing changed. Panels already scheduled keep their
    cut-off."""
    if nation not in NATIONS:
        raise PanelError("Choose one of the four nations.")
    if region.nation == nation and region.arcp_cutoff_working_days == working_days:
        return False
    before = {"nation": region.nation, "arcp_cutoff_working_days": region.arcp_cutoff_working_days}
    region.nation = nation
    region.arcp_cutoff_working_days = working_days
    audit.record(
        "region.panel_settings",
        region,
        {"before": before, "after": {"nation": nation, "arcp_cutoff_working_days": working_days}},
        actor=actor,
    )
    return True
