"""Reading a region's rules: the regions a user manages, each region's current rules and every earlier version."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import LocalRule, Region


def managed_regions(user) -> list[tuple[Region, int]]:
    """(region, number of current rules) for every region whose rules the user manages, by name."""
    current = (
        select(LocalRule.region_id, func.count().label("n"))
        .where(LocalRule.replaced_at.is_(None), LocalRule.retired_at.is_(None))
        .group_by(LocalRule.region_id)
        .subquery()
    )
    query = select(Region, func.coalesce(current.c.n, 0)).outerjoin(current, current.c.region_id == Region.id)
    scope = policy.managed_rule_region_ids(user)
    if scope is not None:
        query = query.where(Region.id.in_(scope))
    return [(region, n) for region, n in db.session.execute(query.order_by(Region.name)).all()]


def region_rules(region_id: int) -> tuple[list[LocalRule], list[LocalRule]]:
    """The region's current rules (by curriculum version and code) and its earlier or retired versions (newest first)."""
    rows = db.session.scalars(
        select(LocalRule)
        .options(joinedload(LocalRule.region), joinedload(LocalRule.created_by))
        .where(LocalRule.region_id == region_id)
        .order_by(LocalRule.curriculum_version, LocalRule.competency_code, LocalRule.id)
    ).all()
    current = [r for r in rows if r.is_current]
    history = sorted((r for r in rows if not r.is_current), key=lambda r: r.id, reverse=True)
    return current, history
