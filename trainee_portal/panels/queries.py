"""What the panels pages read: the scopes a user may schedule for, the trainees of a scope, the upcoming panels a
user may see, and one panel's rows from the readiness read model (ArcpPanelTrainee and the trainees' names only,
never their evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from competencies.readiness import COLOURS
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, Cohort, Region, TraineeProfile, User
from trainee_portal.platform.clock import uk_today
from trainee_portal.summaries.readiness import detail_of, open_items

PER_PAGE = 50


def scope_choices(user) -> list[tuple[str, str]]:
    """("region-ID", "Whole region: NAME") and ("cohort-ID", "REGION: COHORT") for every scope this user may schedule
    a panel for, by name."""
    regions = select(Region).order_by(Region.name)
    visible = policy.visible_region_ids(user)
    if visible is not None:
        regions = regions.where(Region.id.in_(visible))
    choices = []
    for region in db.session.scalars(regions):
        if policy.can_schedule_panel_for(user, region.id, None):
            choices.append((f"region-{region.id}", f"Whole region: {region.name}"))
        for cohort in region.cohorts:
            if policy.can_schedule_panel_for(user, region.id, cohort.id):
                choices.append((f"cohort-{cohort.id}", f"{region.name}: {cohort.name}"))
    return choices


def parse_scope(value: str | None) -> tuple[Region | None, Cohort | None]:
    """The region (and cohort) a scope choice names; (None, None) when it names nothing that exists."""
    kind, _, raw = (value or "").partition("-")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        return None, None
    if kind == "region":
        return db.session.get(Region, int(raw)), None
    if kind == "cohort":
        cohort = db.session.get(Cohort, int(raw))
        return (cohort.region, cohort) if cohort else (None, None)
    return None, None


def scope_trainees(user, region: Region, cohort: Cohort | None) -> list[tuple[int, str]]:
    """(id, "Name – GMC n") for the trainees of the region (or cohort) this user directs, by name."""
    query = (
        select(User.id, User.name, TraineeProfile.gmc_number)
        .join(TraineeProfile, TraineeProfile.user_id == User.id)
        .where(TraineeProfile.region_id == region.id, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    if cohort is not None:
        query = query.where(TraineeProfile.cohort_id == cohort.id)
    allowed = policy.panel_trainee_ids(user)
    if allowed is not None:
        query = query.where(User.id.in_(allowed))
    return [(r.id, f"{r.name} – GMC {r.gmc_number}") for r in db.session.execute(query)]


def _panels(user) -> Select:
    query = select(ArcpPanel)
    visible = policy.visible_panels(user)
    return query if visible is None else query.where(visible)


@dataclass(frozen=True)
class PanelSummary:
    panel: ArcpPanel
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def upcoming(user, today: date | None = None) -> list[PanelSummary]:
    """Panels not cancelled whose date is today or later, soonest first, with their trainees counted by colour."""
    today = today or uk_today()
    panels = list(
        db.session.scalars(
            _panels(user)
            .where(ArcpPanel.cancelled_at.is_(None), ArcpPanel.panel_date >= today)
            .order_by(ArcpPanel.panel_date, ArcpPanel.id)
            .limit(200)
        )
    )
    counts: dict[int, dict[str, int]] = {p.id: dict.fromkeys(COLOURS, 0) for p in panels}
    if panels:
        rows = db.session.execute(
            select(ArcpPanelTrainee.panel_id, ArcpPanelTrainee.readiness, func.count())
            .where(ArcpPanelTrainee.panel_id.in_(list(counts)))
            .group_by(ArcpPanelTrainee.panel_id, ArcpPanelTrainee.readiness)
        )
        for panel_id, colour, n in rows:
            counts[panel_id][colour] = n
    return [PanelSummary(p, counts[p.id]) for p in panels]


def colour_counts(panel_id: int) -> dict[str, int]:
    counts = dict.fromkeys(COLOURS, 0)
    for colour, n in db.session.execute(
        select(ArcpPanelTrainee.readiness, func.count())
        .where(ArcpPanelTrainee.panel_id == panel_id)
        .group_by(ArcpPanelTrainee.readiness)
    ):
        counts[colour] = n
    return counts


@dataclass(frozen=True)
class PanelRow:
    """One trainee on a panel as the read model has them."""

    trainee_id: int
    name: str
    gmc_number: str
    colour: str
    reasons: list[str]
    open_items: list[dict]
    days_to_cutoff: int | None
    readiness_at: object

    @property
    def pending_titles(self) -> list[str]:
        return [f"{i['label']}: {p['title']}" for i in self.open_items for p in i.get("pending", [])]

    @property
    def missing_labels(self) -> list[str]:
        return [f"{i['label']} ({i['missing']} missing)" for i in self.open_items if i.get("missing")]


def rows_query(panel_id: int, colour: str | None = None) -> Select:
    query = (
        select(ArcpPanelTrainee, User.name, TraineeProfile.gmc_number)
        .join(User, User.id == ArcpPanelTrainee.trainee_id)
        .join(TraineeProfile, TraineeProfile.user_id == ArcpPanelTrainee.trainee_id)
        .where(ArcpPanelTrainee.panel_id == panel_id)
        .order_by(User.name, User.id)
    )
    if colour in COLOURS:
        query = query.where(ArcpPanelTrainee.readiness == colour)
    return query


def panel_row(row: ArcpPanelTrainee, name: str, gmc_number: str) -> PanelRow:
    detail = detail_of(row)
    return PanelRow(
        trainee_id=row.trainee_id,
        name=name,
        gmc_number=gmc_number,
        colour=row.readiness,
        reasons=list(detail.get("reasons", [])),
        open_items=list(open_items(detail)),
        days_to_cutoff=detail.get("days_to_cutoff"),
        readiness_at=row.readiness_at,
    )


def page_rows(panel_id: int, colour: str | None, offset: int, limit: int) -> list[tuple]:
    """One page of the panel's rows in the table's order, as (trainee id, name, GMC number, colour, readiness detail
    JSON, when it was computed): the trainees are ordered by name first and only the page's rows are read in full."""
    ordered = rows_query(panel_id, colour).with_only_columns(ArcpPanelTrainee.id).limit(limit).offset(offset).subquery()
    return db.session.execute(
        select(
            ArcpPanelTrainee.trainee_id,
            User.name,
            TraineeProfile.gmc_number,
            ArcpPanelTrainee.readiness,
            ArcpPanelTrainee.readiness_detail,
            ArcpPanelTrainee.readiness_at,
        )
        .join(ordered, ordered.c.id == ArcpPanelTrainee.id)
        .join(User, User.id == ArcpPanelTrainee.trainee_id)
        .join(TraineeProfile, TraineeProfile.user_id == ArcpPanelTrainee.trainee_id)
        .order_by(User.name, User.id)
    ).all()


def count_rows(panel_id: int, colour: str | None = None) -> int:
    query = select(func.count()).select_from(ArcpPanelTrainee).where(ArcpPanelTrainee.panel_id == panel_id)
    if colour in COLOURS:
        query = query.where(ArcpPanelTrainee.readiness == colour)
    return db.session.scalar(query) or 0


def all_rows(panel_id: int, colour: str | None = None) -> list[PanelRow]:
    """Every row of the panel (the export), in the table's order."""
    return [panel_row(r, name, gmc) for r, name, gmc in db.session.execute(rows_query(panel_id, colour))]


def settings_regions(user) -> list[Region]:
    """The regions whose nation and cut-off setting this user may set."""
    query = select(Region).order_by(Region.name)
    managed = policy.managed_rule_region_ids(user)
    if managed is not None:
        query = query.where(Region.id.in_(managed))
    return list(db.session.scalars(query))
