"""Reading packs: the outcomes recorded against one (a trainee's list of packs is arcp.queries.packs_of)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome


def outcomes_for_pack(pack_id: int) -> list[ArcpOutcome]:
    return db.session.scalars(
        select(ArcpOutcome)
        .where(ArcpOutcome.panel_pack_id == pack_id)
        .options(joinedload(ArcpOutcome.recorded_by))
        .order_by(ArcpOutcome.id)
    ).all()
