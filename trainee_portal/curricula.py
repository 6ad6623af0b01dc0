"""Access to curriculum versions: the files shipped with the domain core plus versions an administrator activated.

The parsed registry is cached per process; activating an upload reloads it here and other worker
processes pick it up within CACHE_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import bindparam, select

from competencies import Curriculum, CurriculumError, CurriculumRegistry, ExtraRule, load_curriculum_text, load_registry
from trainee_portal.extensions import db
from trainee_portal.models import CurriculumUpload, LocalRule

CACHE_SECONDS = 60
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict = {"registry": None, "loaded_at": 0.0, "shipped": None}


def _shipped() -> CurriculumRegistry:
    if _cache["shipped"] is None:
        _cache["shipped"] = load_registry()
    return _cache["shipped"]


def registry(force: bool = False) -> CurriculumRegistry:
    with _lock:
        fresh = time.monotonic() - _cache["loaded_at"] < CACHE_SECONDS
        if _cache["registry"] is not None and fresh and not force:
            return _cache["registry"]
        reg = _shipped()
        uploads = db.session.scalars(select(CurriculumUpload).where(CurriculumUpload.status == "active")).all()
        for upload in uploads:
            # An active upload was validated before activation; one that no longer loads, or that
            # repeats a version already present, must not take every page down with it.
            if upload.version in reg:
                logger.error("Active curriculum upload %s repeats version %s; ignored", upload.id, upload.version)
                continue
            try:
                reg = reg.add(load_curriculum_text(upload.content, upload.filename))
            except CurriculumError as error:
                logger.error("Active curriculum upload %s no longer loads; ignored: %s", upload.id, error)
        _cache["registry"] = reg
        _cache["loaded_at"] = time.monotonic()
        return reg


def curriculum(version: str) -> Curriculum:
    return registry().get(version)


def stage_name(version: str, level: str, sia_stage_key: str | None = None) -> str:
    """A stage's name in its curriculum ("Stage 3 SIA Pain Medicine"), or the level's if the version is unknown."""
    try:
        return curriculum(version).stage_for_level(level, sia_stage_key).name
    except KeyError:
        return level.capitalize()


def version_choices() -> list[tuple[str, str]]:
    reg = registry()
    return [(v, f"{reg.get(v).title} ({v})") for v in reg.versions()]


_CURRENT_RULES = (  # built once, run with the region ids (every progress page reads it)
    select(LocalRule)
    .where(
        LocalRule.region_id.in_(bindparam("regions", expanding=True)),
        LocalRule.replaced_at.is_(None),
        LocalRule.retired_at.is_(None),
    )
    .order_by(LocalRule.id)
)


def region_rules(pairs) -> dict[tuple[int, str], tuple[ExtraRule, ...]]:
    """The current local rules and programme suggestions of each (region id, curriculum version), as the core's
    ExtraRules; pairs without any map to an empty tuple."""
    wanted = {(region_id, version) for region_id, version in pairs}
    found: dict[tuple[int, str], list[ExtraRule]] = {pair: [] for pair in wanted}
    if wanted:
        rows = db.session.scalars(_CURRENT_RULES, {"regions": list({r for r, _ in wanted})})
        for row in rows:
            if (row.region_id, row.curriculum_version) in found:
                found[(row.region_id, row.curriculum_version)].append(row.as_extra_rule())
    return {pair: tuple(rules) for pair, rules in found.items()}


def trainee_rules(profile) -> tuple[ExtraRule, ...]:
    """The extra rules of a trainee's region for their curriculum version."""
    pair = (profile.region_id, profile.curriculum_version)
    return region_rules([pair])[pair]
