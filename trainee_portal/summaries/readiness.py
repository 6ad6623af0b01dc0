"""Keeps each trainee's ARCP readiness (ArcpPanelTrainee.readiness, readiness_detail, readiness_at) current: when their
evidence, sign-offs, HALOs or stage sign-offs change (progress.refresh_trainee calls refresh_trainee), when a panel
is scheduled, and daily (pace and days to the cut-off move with the date). Only up to the panel's cut-off: after it
a row stays as it was at the cut-off. The pages read the rows and never the evidence behind them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import url_for
from sqlalchemy import func, select

from competencies import halo, lifecycle
from competencies.calendar_days import uk_day
from competencies.readiness import HALO, PENDING, SIGNED, STAGE_SIGNOFF, Item, assess, review_start
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, EvidenceEntry, HaloRequest, StageSignOff, TraineeProfile
from trainee_portal.platform.clock import uk_today, utcnow

EVIDENCE_STATES = {lifecycle.SUBMITTED: PENDING, lifecycle.SIGNED: SIGNED}
HALO_STATES = {halo.REQUESTED: PENDING, halo.SIGNED: SIGNED}


def counts_evidence_in(status: str | None) -> bool:
    """Whether evidence in this status is an item readiness weighs: a change that leaves an entry outside these
    statuses before and after (a draft saved, edited or deleted) cannot move anyone's readiness."""
    return status in EVIDENCE_STATES


def open_rows(trainee_id: int | None = None, panel_id: int | None = None) -> list[ArcpPanelTrainee]:
    """The rows still kept current: panels not cancelled whose cut-off is today or later (one query)."""
    query = (
        select(ArcpPanelTrainee)
        .join(ArcpPanel, ArcpPanel.id == ArcpPanelTrainee.panel_id)
        .where(ArcpPanel.cancelled_at.is_(None), ArcpPanel.cutoff_date >= uk_today())
        .order_by(ArcpPanel.panel_date, ArcpPanelTrainee.id)
    )
    if trainee_id is not None:
        query = query.where(ArcpPanelTrainee.trainee_id == trainee_id)
    if panel_id is not None:
        query = query.where(ArcpPanelTrainee.panel_id == panel_id)
    return list(db.session.scalars(query))


def refresh_trainee(trainee_id: int) -> int:
    """Recompute the trainee's rows on upcoming panels; one cheap query when they are on none."""
    rows = open_rows(trainee_id=trainee_id)
    for row in rows:
        refresh_row(row)
    return len(rows)


def refresh_panel(panel: ArcpPanel) -> int:
    rows = open_rows(panel_id=panel.id)
    for row in rows:
        refresh_row(row)
    return len(rows)


def assess_at_cutoff(panel: ArcpPanel) -> int:
    """A panel recorded after its cut-off day (a programme joining mid-cycle): each row assessed once, as on the
    cut-off day, from the record as it stands; its pack still keeps only what was in by the cut-off."""
    rows = list(db.session.scalars(select(ArcpPanelTrainee).where(ArcpPanelTrainee.panel_id == panel.id)))
    for row in rows:
        refresh_row(row, at_cutoff=True)
    return len(rows)


def refresh_all() -> int:
    """Every row on every upcoming panel (the daily command)."""
    rows = open_rows()
    for row in rows:
        refresh_row(row)
    return len(rows)


def previous_cutoff(trainee_id: int, panel: ArcpPanel):
    """The cut-off of the trainee's latest earlier panel (not cancelled), if any."""
    return db.session.scalar(
        select(func.max(ArcpPanel.cutoff_date))
        .join(ArcpPanelTrainee, ArcpPanelTrainee.panel_id == ArcpPanel.id)
        .where(
            ArcpPanelTrainee.trainee_id == trainee_id,
            ArcpPanel.cancelled_at.is_(None),
            ArcpPanel.id != panel.id,
            ArcpPanel.cutoff_date < panel.cutoff_date,
        )
    )


def _items(trainee_id: int, version: str, requirements, start, cutoff) -> list[Item]:
    items: list[Item] = []
    by_kind: dict[str, list[str]] = {}
    by_stage: dict[tuple[str, str], list[str]] = {}
    for r in requirements:
        if r.counts_evidence:
            by_kind.setdefault(r.what, []).append(r.key)
        else:
            by_stage.setdefault((r.what, r.stage), []).append(r.key)
    if by_kind:
        entries = db.session.execute(
            select(
                EvidenceEntry.id,
                EvidenceEntry.evidence_type,
                EvidenceEntry.status,
                EvidenceEntry.occurred_on,
                EvidenceEntry.title,
            ).where(
                EvidenceEntry.trainee_id == trainee_id,
                EvidenceEntry.superseded_at.is_(None),
                EvidenceEntry.evidence_type.in_(list(by_kind)),
                EvidenceEntry.status.in_(list(EVIDENCE_STATES)),
                EvidenceEntry.occurred_on >= start,
                EvidenceEntry.occurred_on <= cutoff,
            )
        )
        for e in entries:
            items += [Item(key, EVIDENCE_STATES[e.status], e.occurred_on, e.title, e.id) for key in by_kind[e.evidence_type]]
    halo_stages = [stage for (what, stage) in by_stage if what == HALO]
    if halo_stages:
        requests = db.session.execute(
            select(
                HaloRequest.id, HaloRequest.stage_key, HaloRequest.status, HaloRequest.created_at, HaloRequest.decided_at
            ).where(
                HaloRequest.trainee_id == trainee_id,
                HaloRequest.curriculum_version == version,
                HaloRequest.stage_key.in_(halo_stages),
                HaloRequest.status.in_(list(HALO_STATES)),
            )
        )
        for h in requests:
            on = uk_day(h.decided_at or h.created_at)  # the UK day it was signed (or asked for)
            items += [Item(key, HALO_STATES[h.status], on, "HALO", h.id) for key in by_stage[(HALO, h.stage_key)]]
    signoff_stages = [stage for (what, stage) in by_stage if what == STAGE_SIGNOFF]
    if signoff_stages:
        signoffs = db.session.execute(
            select(StageSignOff.id, StageSignOff.stage_key, StageSignOff.signed_on).where(
                StageSignOff.trainee_id == trainee_id,
                StageSignOff.curriculum_version == version,
                StageSignOff.stage_key.in_(signoff_stages),
            )
        )
        for s in signoffs:
            items += [Item(key, SIGNED, s.signed_on, "Stage sign-off", s.id) for key in by_stage[(STAGE_SIGNOFF, s.stage_key)]]
    return items


def refresh_row(row: ArcpPanelTrainee, at_cutoff: bool = False) -> bool:
    """Recompute one row from the trainee's items; False (the row left as it was) after the cut-off or once the
    panel is cancelled. `at_cutoff`: assess a panel recorded after its cut-off as on the cut-off day."""
    panel = row.panel
    today = uk_today()
    if panel.cancelled_at is not None or (today > panel.cutoff_date and not at_cutoff):
        return False
    today = min(today, panel.cutoff_date)
    profile = db.session.get(TraineeProfile, row.trainee_id)
    if profile is None:
        return False
    curriculum = curricula.curriculum(profile.curriculum_version)
    rules = curriculum.arcp
    requirements = rules.for_year(panel.training_year)
    start = review_start(panel.cutoff_date, previous_cutoff(row.trainee_id, panel), rules.review_months_without_previous_panel)
    items = _items(row.trainee_id, curriculum.version, requirements, start, panel.cutoff_date)
    result = assess(
        rules, panel.training_year, items, today=today, cutoff=panel.cutoff_date, review_from=start, requirements=requirements
    )
    detail = result.as_dict()
    detail["curriculum"] = curriculum.version
    detail["note"] = rules.note
    row.readiness = result.colour
    row.readiness_detail = json.dumps(detail, sort_keys=True)
    row.readiness_at = utcnow()
    return True


# --- reading the read model (pages, emails, exports) --------------------------------------------


def my_upcoming(trainee_id: int) -> list[tuple[ArcpPanel, ArcpPanelTrainee]]:
    """The trainee's own rows on panels not cancelled whose date is today or later, soonest first."""
    return [
        (panel, row)
        for panel, row in db.session.execute(
            select(ArcpPanel, ArcpPanelTrainee)
            .join(ArcpPanelTrainee, ArcpPanelTrainee.panel_id == ArcpPanel.id)
            .where(
                ArcpPanelTrainee.trainee_id == trainee_id, ArcpPanel.cancelled_at.is_(None), ArcpPanel.panel_date >= uk_today()
            )
            .order_by(ArcpPanel.panel_date, ArcpPanel.id)
        )
    ]


def detail_of(row: ArcpPanelTrainee) -> dict:
    try:
        detail = json.loads(row.readiness_detail or "{}")
    except ValueError:
        detail = {}
    detail.setdefault("reasons", [])
    detail.setdefault("items", [])
    return detail


def open_items(detail: dict) -> Iterable[dict]:
    """The requirements not yet green, as the read model keeps them."""
    return [item for item in detail.get("items", []) if item.get("colour") != "green"]


def summary_line(detail: dict) -> str:
    """The reasons as one sentence list, for tables and emails."""
    return " ".join(detail.get("reasons", []))


def fix_links(item: dict) -> list[tuple[str, str]]:
    """(text, path) for what the trainee can do about one requirement: open each item waiting for a sign-off, add a
    missing item, or ask for the HALO / open the stage."""
    links = [
        (f"Open “{p['title']}”", url_for("logbook.view", evidence_id=p["ref"])) for p in item.get("pending", []) if p.get("ref")
    ]
    what, stage = item.get("what"), item.get("stage")
    if item.get("missing"):
        if what == HALO and stage:
            links.append(("Ask for this HALO", url_for("halo.ask", stage_key=stage)))
        elif what == STAGE_SIGNOFF and stage:
            links.append(("Open the stage", url_for(f"stage_{stage}.index")))
        elif what:
            links.append((f"Add {item.get('label', 'the item')}", url_for("logbook.new", type=what)))
    if what == HALO and item.get("pending"):
        links = [("Open the HALO request", url_for("halo.detail", request_id=p["ref"])) for p in item["pending"] if p.get("ref")]
    return links
