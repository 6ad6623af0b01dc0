"""Reading a trainee's ARCP record: their frozen panel packs, latest panel first (the trainee's page and the review)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, PanelPack


def packs_of(trainee_id: int) -> list[PanelPack]:
    return db.session.scalars(
        select(PanelPack)
        .join(ArcpPanel, ArcpPanel.id == PanelPack.panel_id)
        .where(PanelPack.trainee_id == trainee_id)
        .options(joinedload(PanelPack.panel))
        .order_by(ArcpPanel.panel_date.desc(), PanelPack.id.desc())
    ).all()
