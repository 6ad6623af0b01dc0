"""Demo move between curricula: a second 2010 Advanced trainee already moved to 2021 by the administrator, so the
stage pages show old and new side by side (trainee2010 stays on 2010 for a new user to move)."""

from __future__ import annotations

from datetime import date, timedelta

from trainee_portal.demo.accounts import by_email
from trainee_portal.transitions import services

MOVED = "trainee.moved"


def load(today: date) -> None:
    trainee = by_email(MOVED)
    services.move(
        by_email("admin"),
        trainee.trainee_profile,
        "2021",
        today - timedelta(days=14),
        "Moved to the 2021 curriculum at her ARCP, keeping her 2010 Advanced evidence (demo).",
    )
