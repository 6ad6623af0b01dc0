"""The curricula: GET /api/v1/curricula (each version and its stages) and GET /api/v1/curricula/{version} (its
stages, domains, competencies and every evidence requirement with its source), from the registry the pages read."""

from __future__ import annotations

from flask import abort

from trainee_portal import curricula
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import Blueprint
from trainee_portal.api.routes.progress import sources
from trainee_portal.api.schemas.curricula import CurriculaSchema, CurriculumSchema

blp = Blueprint("api_curricula", __name__, description="The curricula, their stages, competencies and evidence rules.")


def _summary(curriculum) -> dict:
    return {
        "version": curriculum.version,
        "title": curriculum.title,
        "kind": curriculum.kind,
        "stages": [{"key": s.key, "name": s.name, "level": s.level} for s in curriculum.stages],
    }


def _requirement(rule, curriculum) -> dict:
    return {
        "evidence_type": rule.evidence_type,
        "minimum": rule.minimum,
        "min_supervision": rule.min_supervision,
        "signoff_required": rule.signoff_required,
        "description": rule.describe(),
        "basis": rule.basis,
        "origin": rule.origin,
        "sources": sources(rule.sources, curriculum),
    }


def _stage(stage, curriculum) -> dict:
    return {
        "key": stage.key,
        "name": stage.name,
        "level": stage.level,
        "when": stage.when,
        "duration": stage.duration,
        "aim": stage.aim,
        "sources": sources(stage.sources, curriculum),
        "domains": [
            {
                "key": domain.key,
                "name": domain.name,
                "competencies": [
                    {
                        "code": c.code,
                        "title": c.title,
                        "exam_relevant": c.exam_relevant,
                        "sources": sources(c.sources, curriculum),
                        "evidence": [_requirement(rule, curriculum) for rule in c.evidence],
                    }
                    for c in domain.competencies
                ],
            }
            for domain in stage.domains
        ],
    }


@blp.route("/curricula")
@requires_scope("read")
@blp.etag
@blp.response(200, CurriculaSchema)
def curricula_list():
    """Every curriculum version the portal knows, oldest first, with its stages."""
    registry = curricula.registry()
    return {"curricula": [_summary(registry.get(version)) for version in registry.versions()]}


@blp.route("/curricula/<version>")
@requires_scope("read")
@blp.etag
@blp.response(200, CurriculumSchema)
def curriculum(version: str):
    """One curriculum: its stages, domains and competencies, and each competency's evidence requirements with where
    each comes from (a national source in its own words, a local rule, or the programme's own suggestion)."""
    found = curricula.registry().get(version, None) if len(version) <= 20 else None
    if found is None:
        abort(404)
    return {**_summary(found), "description": found.description, "stages": [_stage(s, found) for s in found.stages]}
