"""The curricula the portal knows, as its stage pages and its about page show them: stages, domains, competencies and
each evidence requirement with where it comes from."""

from __future__ import annotations

import marshmallow as ma

from trainee_portal.api.schemas.progress import SourceSchema


class RequirementSchema(ma.Schema):
    evidence_type = ma.fields.String(required=True)
    minimum = ma.fields.Integer(required=True)
    min_supervision = ma.fields.String(required=True, allow_none=True)
    signoff_required = ma.fields.Boolean(required=True)
    description = ma.fields.String(required=True, metadata={"description": 'In words, e.g. "1 CBD, signed off"'})
    basis = ma.fields.String(required=True, metadata={"description": "national, local or suggestion"})
    origin = ma.fields.String(
        required=True,
        metadata={
            "description": "Where the rule comes from, as the pages label it: the source in its own words, "
            "a local rule, or the programme's own suggestion"
        },
    )
    sources = ma.fields.List(ma.fields.Nested(SourceSchema), required=True)


class CompetencySchema(ma.Schema):
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    exam_relevant = ma.fields.Boolean(required=True)
    sources = ma.fields.List(ma.fields.Nested(SourceSchema), required=True)
    evidence = ma.fields.List(ma.fields.Nested(RequirementSchema), required=True)


class DomainSchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    competencies = ma.fields.List(ma.fields.Nested(CompetencySchema), required=True)


class StageSummarySchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.String(required=True)


class StageSchema(StageSummarySchema):
    when = ma.fields.String(required=True)
    duration = ma.fields.String(required=True)
    aim = ma.fields.String(required=True)
    sources = ma.fields.List(ma.fields.Nested(SourceSchema), required=True)
    domains = ma.fields.List(ma.fields.Nested(DomainSchema), required=True)


class CurriculumSummarySchema(ma.Schema):
    version = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "levels (2010) or stages (2021)"})
    stages = ma.fields.List(ma.fields.Nested(StageSummarySchema), required=True)


class CurriculaSchema(ma.Schema):
    curricula = ma.fields.List(ma.fields.Nested(CurriculumSummarySchema), required=True)


class CurriculumSchema(CurriculumSummarySchema):
    description = ma.fields.String(required=True)
    stages = ma.fields.List(ma.fields.Nested(StageSchema), required=True)
