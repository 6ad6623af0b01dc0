"""Demo data for /rules: Scotland's region carries the Scottish basic-level guidance [SCOT] as a local rule set on the
2021 Stage 1 competencies it matches, and a programme suggestion its director set, all through the rules service."""

from __future__ import annotations

from sqlalchemy import select

from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.models import Region
from trainee_portal.rules import services

# Who publishes it, in domain.md's words for the source; every quote is the guidance's own number as domain.md gives it.
SCOTTISH_GUIDANCE = "Scottish guidance for basic level pain medicine training [SCOT]"
# competency, evidence type, minimum, supervision level, signed off only, quote
SCOTTISH_RULES = [
    ("S1_PM_01", "logbook.ward_round", 8, "1", False, "at least 8 consultant-supervised acute pain rounds"),
    ("S1_PM_01", "wba.cex", 1, None, True, "1 A-CEX"),
    ("S1_PM_02", "logbook.clinic", 2, None, False, "2 chronic pain clinics"),
    ("S1_PM_03", "wba.cbd", 1, None, True, "1 CBD"),
    ("S1_PM_06", "wba.dops", 1, None, True, "1 pain DOPS"),
]


def load() -> None:
    director = by_email("director.scot")
    scotland = db.session.scalar(select(Region).where(Region.name == "Scotland"))
    for code, kind, minimum, level, signed, quote in SCOTTISH_RULES:
        values = dict(
            curriculum_version="2021",
            competency_code=code,
            evidence_type=kind,
            minimum=minimum,
            supervision_level=level,
            signoff_required=signed,
            basis="local",
            citation=SCOTTISH_GUIDANCE,
            quote=quote,
        )
        services.save_rule(scotland, values, director)
    suggestion = dict(
        curriculum_version="2021",
        competency_code="S1_PM_04",
        evidence_type="reflection",
        minimum=2,
        supervision_level=None,
        signoff_required=False,
        basis="suggestion",
        citation="",
        quote="",
    )
    first = services.save_rule(scotland, suggestion, director)
    services.save_rule(scotland, {**suggestion, "minimum": 3}, director, replaces=first)  # a revision, kept as version 2
