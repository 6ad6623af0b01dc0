"""Demo HALO people and one request: a Faculty Tutor (Pain) and an RAPM for London, and the 2021 demo trainee's
Stage 1 HALO request waiting for the Faculty Tutor."""

from __future__ import annotations

from sqlalchemy import select

from trainee_portal import curricula
from trainee_portal.demo.accounts import by_email, make_user
from trainee_portal.extensions import db
from trainee_portal.halo import queries, services
from trainee_portal.models import Region, RoleScope


def load(password_hash: str) -> None:
    london = db.session.scalar(select(Region).where(Region.name == "London"))
    tutor = make_user("Dr Laura Bennett", "faculty.tutor", ("faculty_tutor",), password_hash)
    rapm = make_user("Dr Marcus Hale", "rapm", ("rapm",), password_hash)
    db.session.flush()
    db.session.add_all(
        [
            RoleScope(user_id=tutor.id, role="faculty_tutor", region_id=london.id),
            RoleScope(user_id=rapm.id, role="rapm", region_id=london.id),
        ]
    )
    db.session.flush()
    trainee = by_email("trainee")
    stage = curricula.curriculum(trainee.trainee_profile.curriculum_version).stage_for_level("basic")
    signed = [e.id for e in queries.stage_evidence(trainee.id, stage) if e.status == "signed"][:6]
    services.request_halo(
        trainee,
        stage.key,
        signed,
        "My Stage 1 pain evidence: ward rounds, clinics and the supervised procedures, all signed by my supervisor.",
    )
