"""Demo data for /panels, /arcp and /packs: Scotland counts Scottish bank holidays, and London's director has scheduled
two ARCP panels for the London trainees on the 2021 curriculum, the demo trainee among them, through the panels
service (cut-off counted, readiness worked out, audited): one about five weeks ahead, and one in four working days
whose evidence cut-off is over, so its packs (what that panel sees) are frozen."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.models import Region, TraineeProfile
from trainee_portal.packs import services as packs
from trainee_portal.panels import services

PANEL_WEEKS_AHEAD = 5


def load(today: date) -> None:
    scotland = db.session.scalar(select(Region).where(Region.name == "Scotland"))
    scotland.nation = "scotland"
    london = db.session.scalar(select(Region).where(Region.name == "London"))
    director = by_email("director")
    trainees = list(
        db.session.scalars(
            select(TraineeProfile.user_id).where(
                TraineeProfile.region_id == london.id, TraineeProfile.curriculum_version == "2021"
            )
        )
    )
    panel_date = today + timedelta(weeks=PANEL_WEEKS_AHEAD)
    while panel_date.weekday() >= 5:  # panels meet on a weekday
        panel_date += timedelta(days=1)
    services.schedule(director, london, None, panel_date, "ST6", trainees, set(trainees), "London ARCP panel (ST6)")
    soon = today
    for _ in range(4):  # four working days ahead: its ten-working-day cut-off is over
        soon += timedelta(days=1)
        while soon.weekday() >= 5:
            soon += timedelta(days=1)
    under_way = services.schedule(
        director, london, None, soon, "ST5", trainees, set(trainees), "London ARCP panel (ST5)", cutoff_passed=True
    )
    db.session.commit()
    for trainee_id in trainees:
        packs.freeze(under_way, trainee_id)
