"""Reading packs: a trainee's packs with their panels, and the outcomes recorded against one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, ArcpPanel, PanelPack


def packs_of(trainee_id: int) -> list[PanelPack]:
    """The trainee's frozen packs, latest panel first."""
    return db.session.scalars(
        select(PanelPack)
        .join(ArcpPanel, ArcpPanel.id == PanelPack.panel_id)
        .where(PanelPack.trainee_id == trainee_id)
        .options(joinedload(PanelPack.panel))
        .order_by(ArcpPanel.panel_date.desc(), PanelPack.id.desc())
    ).all()


def outcomes_for_pack(pack_id: int) -> list[ArcpOutcome]:
    return db.session.scalars(
        select(ArcpOutcome)
        .where(ArcpOutcome.panel_pack_id == pack_id)
        .options(joinedload(ArcpOutcome.recorded_by))
        .order_by(ArcpOutcome.id)
    ).all()
