"""Writing a region's rules: each save adds a version (the one it replaces is marked replaced, never rewritten),
retiring ends a rule; each change is audited and recomputes the progress of the region's trainees."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import LocalRule, Region, User
from trainee_portal.platform.clock import utcnow
from trainee_portal.summaries import progress


class StaleRule(Exception):
    """The version being edited or retired is no longer current (another change came first)."""


def save_rule(region: Region, values: dict, actor: User, replaces: LocalRule | None = None) -> LocalRule:
    """Add a rule, or the next version of `replaces`, with its audit record and the recomputed progress, in the
    caller's transaction (the caller commits). StaleRule if `replaces` is no longer current."""
    if replaces is not None and not replaces.is_current:
        raise StaleRule
    rule = LocalRule(
        region_id=region.id,
        version=replaces.version + 1 if replaces else 1,
        replaces_id=replaces.id if replaces else None,
        created_by_id=actor.id,
        **{name: values[name] for name in LocalRule.RULE_FIELDS},
    )
    db.session.add(rule)
    try:
        with db.session.begin_nested():
            db.session.flush()  # the unique replaces_id refuses a second edit of the same version
    except IntegrityError:
        raise StaleRule from None
    if replaces is not None:
        replaces.replaced_at = rule.created_at
    audit.record("local_rule.revised" if replaces else "local_rule.created", rule, rule.audit_state(), actor=actor)
    for version in {rule.curriculum_version, replaces.curriculum_version if replaces else rule.curriculum_version}:
        progress.refresh_region(region.id, version)
    return rule


def retire_rule(rule: LocalRule, actor: User) -> None:
    """End a rule (kept, with every earlier version, for the record); its trainees' progress is recomputed."""
    if not rule.is_current:
        raise StaleRule
    rule.retired_at, rule.retired_by_id = utcnow(), actor.id
    audit.record("local_rule.retired", rule, rule.audit_state(), actor=actor)
    db.session.flush()
    progress.refresh_region(rule.region_id, rule.curriculum_version)
