"""The cohort a director or administrator sees, and the ARCP panels' readiness, as the dashboard and panel pages show
them."""

from __future__ import annotations

import marshmallow as ma

from competencies import STAGE_LEVELS
from competencies.flags import FLAG_TITLES
from competencies.readiness import COLOURS
from trainee_portal.api import keyset
from trainee_portal.api.keyset import PageArgsSchema
from trainee_portal.api.schemas.fields import UtcDateTime

ID = ma.validate.Range(1, 2**31 - 1)


class CohortArgsSchema(PageArgsSchema):
    """The dashboard's filters (region, cohort, stage, curriculum, flag) and the page."""

    region = ma.fields.Integer(load_default=None, validate=ID, metadata={"description": "A region's id"})
    cohort = ma.fields.Integer(load_default=None, validate=ID, metadata={"description": "A cohort's id"})
    stage = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STAGE_LEVELS))
    curriculum = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(r"^[0-9A-Za-z._-]{1,20}$"),
        metadata={"description": "A curriculum version, e.g. 2021"},
    )
    flag = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(FLAG_TITLES)))


class StageCountSchema(ma.Schema):
    curriculum_version = ma.fields.String(required=True)
    stage_level = ma.fields.String(required=True)
    stage_name = ma.fields.String(required=True, metadata={"description": "As its own curriculum names it"})
    trainees = ma.fields.Integer(required=True)


class FlagCountSchema(ma.Schema):
    flag = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    trainees = ma.fields.Integer(required=True)


class CohortRowSchema(ma.Schema):
    trainee_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    gmc_number = ma.fields.String(required=True)
    region = ma.fields.String(required=True)
    cohort = ma.fields.String(required=True, allow_none=True)
    curriculum_version = ma.fields.String(required=True)
    stage_level = ma.fields.String(required=True)
    stage_name = ma.fields.String(required=True)
    stage_started_on = ma.fields.Date(required=True)
    percent = ma.fields.Float(required=True, metadata={"description": "The current stage's progress, 0 to 100"})
    expected = ma.fields.Float(
        required=True, allow_none=True, metadata={"description": "Where the trajectory expects them by today"}
    )
    competencies_complete = ma.fields.Integer(required=True)
    competencies_total = ma.fields.Integer(required=True)
    stage_complete = ma.fields.Boolean(required=True)
    last_activity_at = UtcDateTime(required=True, allow_none=True)
    pending = ma.fields.Integer(required=True, metadata={"description": "Sign-off requests waiting"})
    overdue = ma.fields.Integer(required=True, metadata={"description": "Of those, waiting too long"})
    exams = ma.fields.String(required=True, metadata={"description": "Both exam parts in words"})
    flags = ma.fields.List(ma.fields.String(), required=True)


class CohortSchema(ma.Schema):
    total = ma.fields.Integer(required=True, metadata={"description": "Trainees matching the filters"})
    per_stage = ma.fields.List(ma.fields.Nested(StageCountSchema), required=True)
    per_flag = ma.fields.List(
        ma.fields.Nested(FlagCountSchema),
        required=True,
        metadata={"description": "Trainees carrying each flag under the other filters (the flag filter aside)"},
    )
    trainees = ma.fields.List(ma.fields.Nested(CohortRowSchema), required=True)
    next_cursor = keyset.next_cursor_field(keyset.NAME)


class ColourCountSchema(ma.Schema):
    colour = ma.fields.String(required=True, metadata={"description": "green, amber or red"})
    label = ma.fields.String(required=True)
    trainees = ma.fields.Integer(required=True)


class PanelSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    panel_date = ma.fields.Date(required=True)
    cutoff_date = ma.fields.Date(required=True, metadata={"description": "The evidence cut-off"})
    training_year = ma.fields.String(required=True)
    region = ma.fields.String(required=True)
    cohort = ma.fields.String(required=True, allow_none=True)
    cancelled = ma.fields.Boolean(required=True)
    total = ma.fields.Integer(required=True)
    colours = ma.fields.List(ma.fields.Nested(ColourCountSchema), required=True)


class PanelsSchema(ma.Schema):
    panels = ma.fields.List(
        ma.fields.Nested(PanelSchema),
        required=True,
        metadata={"description": "Upcoming panels the caller manages, soonest first (as the panels page lists them)"},
    )


class ReadinessArgsSchema(PageArgsSchema):
    colour = ma.fields.String(load_default=None, validate=ma.validate.OneOf(COLOURS))


class ReadinessRowSchema(ma.Schema):
    trainee_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    gmc_number = ma.fields.String(required=True)
    colour = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    reasons = ma.fields.List(ma.fields.String(), required=True)
    missing = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "Requirements short of items"})
    pending = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "Items waiting for sign-off"})
    days_to_cutoff = ma.fields.Integer(required=True, allow_none=True)
    readiness_at = UtcDateTime(required=True, allow_none=True, metadata={"description": "When it was last worked out"})


class PanelReadinessSchema(ma.Schema):
    panel = ma.fields.Nested(PanelSchema, required=True)
    trainees = ma.fields.List(ma.fields.Nested(ReadinessRowSchema), required=True)
    next_cursor = keyset.next_cursor_field(keyset.NAME)
