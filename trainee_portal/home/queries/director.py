"""The training director's home: who needs them. How many trainees in their scope carry each of the cohort dashboard's
flags (the dashboard's own counts query), the ARCP panels coming with their trainees by readiness, and the supervisors
whose oldest waiting sign-off request is oldest.

A fixed handful of aggregate queries whatever the scope's size: summaries and grouped counts, bounded lists, never
an evidence row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from competencies import calendar_days, flags
from competencies.readiness import COLOUR_LABELS, COLOURS
from trainee_portal import policy
from trainee_portal.cohort import queries as cohort_queries
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, Cohort, DirectorScope, Region, SignOffRequest, User
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.signoff.waiting import waiting_requests

PANELS_SHOWN = 5  # the soonest panels the home page lists; the panels page lists them all
SUPERVISORS_SHOWN = 5  # the supervisors with the oldest waits the home page lists
# The threshold each cohort flag reads (competencies.flags), so the page can say where each comes from.
FLAG_THRESHOLDS = {
    "behind": flags.BEHIND_TOLERANCE,
    "idle": flags.IDLE_DAYS,
    "waiting": flags.SIGNOFF_WAIT_DAYS,
    "attempts": flags.EXAM_ATTEMPTS,
}


@dataclass(frozen=True)
class FlagCount:
    key: str  # the cohort dashboard's flag filter (/cohort?flag=key)
    label: str  # competencies.flags.FLAG_TITLES
    count: int


@dataclass(frozen=True)
class PanelComing:
    id: int
    panel_date: date
    cutoff_date: date
    title: str
    training_year: str
    region: str
    cohort: str | None
    counts: dict[str, int]  # readiness colour → trainees, best first (competencies.readiness.COLOURS)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def name(self) -> str:
        return self.title or f"ARCP panel ({self.training_year})"

    @property
    def scope(self) -> str:
        return f"{self.region}: {self.cohort}" if self.cohort else f"{self.region}, whole region"


@dataclass(frozen=True)
class SupervisorWait:
    supervisor_id: int
    name: str
    waiting: int
    overdue: int  # waiting longer than competencies.flags.SIGNOFF_WAIT_DAYS
    oldest_at: datetime
    oldest_days: int


def director_home(user, today: date | None = None) -> dict:
    today = today or uk_today()
    trainees, counts = cohort_queries.cohort_counts(user, cohort_queries.Filters(), today)
    panels, panels_total = panels_coming(user, today)
    return {
        "today": today,
        "scope": scope_names(user),
        "trainees": trainees,
        "flags": [FlagCount(key, label, counts[key]) for key, label in cohort_queries.FLAGS.items()],
        "flag_sources": sorted({FLAG_THRESHOLDS[key].provenance for key in cohort_queries.FLAGS if key in FLAG_THRESHOLDS}),
        "panels": panels,
        "panels_total": panels_total,
        "colours": COLOURS,
        "colour_labels": COLOUR_LABELS,
        "supervisors": longest_waits(user, today),
        "wait_days": flags.SIGNOFF_WAIT_DAYS.value,
        "tools": tools(user),
    }


def scope_names(user) -> list[str]:
    """The regions and cohorts this user directs, by name ("London", "North West: North West 2024 intake"); none for an
    administrator, who sees every region."""
    if policy.is_admin(user):
        return []
    rows = db.session.execute(
        select(Region.name, Cohort.name)
        .select_from(DirectorScope)
        .outerjoin(Cohort, Cohort.id == DirectorScope.cohort_id)
        .join(Region, Region.id == func.coalesce(DirectorScope.region_id, Cohort.region_id))
        .where(DirectorScope.director_id == user.id)
        .order_by(Region.name, Cohort.name)
    )
    return [f"{region}: {cohort}" if cohort else region for region, cohort in rows]


def panels_coming(user, today: date) -> tuple[list[PanelComing], int]:
    """The soonest PANELS_SHOWN panels this user manages that are not cancelled and not yet held (as the panels page
    lists them), with their trainees counted by readiness; and how many such panels there are in all."""
    coming = [ArcpPanel.cancelled_at.is_(None), ArcpPanel.panel_date >= today]
    visible = policy.visible_panels(user)
    if visible is not None:
        coming.append(visible)
    total = db.session.scalar(select(func.count()).select_from(ArcpPanel).where(*coming)) or 0
    rows = db.session.execute(
        select(ArcpPanel, Region.name, Cohort.name)
        .join(Region, Region.id == ArcpPanel.region_id)
        .outerjoin(Cohort, Cohort.id == ArcpPanel.cohort_id)
        .where(*coming)
        .order_by(ArcpPanel.panel_date, ArcpPanel.id)
        .limit(PANELS_SHOWN)
    ).all()
    counts: dict[int, dict[str, int]] = {panel.id: dict.fromkeys(COLOURS, 0) for panel, _, _ in rows}
    if counts:
        for panel_id, colour, n in db.session.execute(
            select(ArcpPanelTrainee.panel_id, ArcpPanelTrainee.readiness, func.count())
            .where(ArcpPanelTrainee.panel_id.in_(list(counts)))
            .group_by(ArcpPanelTrainee.panel_id, ArcpPanelTrainee.readiness)
        ):
            if colour in counts[panel_id]:
                counts[panel_id][colour] = n
    panels = [
        PanelComing(
            id=panel.id,
            panel_date=panel.panel_date,
            cutoff_date=panel.cutoff_date,
            title=panel.title,
            training_year=panel.training_year,
            region=region,
            cohort=cohort,
            counts=counts[panel.id],
        )
        for panel, region, cohort in rows
    ]
    return panels, total


def longest_waits(user, today: date, limit: int = SUPERVISORS_SHOWN) -> list[SupervisorWait]:
    """The supervisors whose oldest waiting request from this user's trainees is oldest, with how many wait on them
    and how many of those are overdue: one grouped query over the pending requests, LIMIT `limit`."""
    cutoff = flags.signoff_overdue_cutoff(utcnow())
    waits = (
        select(
            SignOffRequest.supervisor_id.label("supervisor_id"),
            func.count(SignOffRequest.id).label("waiting"),
            func.sum(case((SignOffRequest.created_at < cutoff, 1), else_=0)).label("overdue"),
            func.min(SignOffRequest.created_at).label("oldest"),
        )
        .where(*waiting_requests(user))
        .group_by(SignOffRequest.supervisor_id)
        .subquery("waits")
    )
    rows = db.session.execute(
        select(User.id, User.name, waits.c.waiting, waits.c.overdue, waits.c.oldest)
        .join(waits, waits.c.supervisor_id == User.id)
        .order_by(waits.c.oldest, User.name, User.id)
        .limit(limit)
    )
    return [
        SupervisorWait(
            supervisor_id=r.id,
            name=r.name,
            waiting=int(r.waiting),
            overdue=int(r.overdue or 0),
            oldest_at=r.oldest,
            oldest_days=calendar_days.days_since(r.oldest, today),
        )
        for r in rows
    ]


def tools(user) -> list[tuple[str, str]]:
    """(endpoint, label) of the director's pages, for the short list under the section."""
    found = [("cohort.dashboard", "Cohort dashboard")]
    if policy.can_use_panels(user):
        found.append(("panels.index", "ARCP panels"))
    if policy.can_view_exam_pipeline(user):
        found.append(("exams.pipeline", "Exam pipeline"))
    if policy.can_manage_rules(user):
        found.append(("rules.index", "Local rules"))
    return found
