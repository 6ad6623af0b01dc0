"""A trainee's progress through their curriculum's stages, and their exam readiness, as the stage, home and exam
pages show them."""

from __future__ import annotations

import marshmallow as ma


class SourceSchema(ma.Schema):
    key = ma.fields.String(required=True, metadata={"description": "The source's short name, as the pages cite it"})
    citation = ma.fields.String(required=True, metadata={"description": "The source in its own words"})
    url = ma.fields.String(required=True, allow_none=True)


class StageSignOffSchema(ma.Schema):
    signed_on = ma.fields.Date(required=True)
    signed_by = ma.fields.String(required=True, metadata={"description": "The educational supervisor who signed it"})


class StageProgressSchema(ma.Schema):
    key = ma.fields.String(required=True)
    level = ma.fields.String(required=True, metadata={"description": "basic, intermediate, higher or advanced"})
    name = ma.fields.String(required=True)
    current = ma.fields.Boolean(required=True, metadata={"description": "The stage the trainee is in now"})
    competencies_total = ma.fields.Integer(required=True)
    competencies_complete = ma.fields.Integer(required=True)
    competencies_in_progress = ma.fields.Integer(required=True)
    competencies_not_started = ma.fields.Integer(required=True)
    percent = ma.fields.Float(required=True, metadata={"description": "Competencies complete, 0 to 100"})
    required_items = ma.fields.Integer(required=True, metadata={"description": "Evidence items the stage's rules ask for"})
    items_in_place = ma.fields.Integer(
        required=True, metadata={"description": "Of those, the items in place (signed, or not needing sign-off)"}
    )
    summary = ma.fields.String(required=True, metadata={"description": "The stage page's words for these numbers"})
    ready_for_signoff = ma.fields.Boolean(required=True)
    closed = ma.fields.Boolean(
        required=True,
        metadata={"description": "Closed by its signed HALO (2021) or the educational supervisor's sign-off (2010)"},
    )
    signed_off = ma.fields.Nested(
        StageSignOffSchema, required=True, allow_none=True, metadata={"description": "The stage's sign-off, if any"}
    )


class ProgressSchema(ma.Schema):
    trainee_id = ma.fields.Integer(required=True)
    curriculum_version = ma.fields.String(required=True)
    curriculum_title = ma.fields.String(required=True)
    current_stage = ma.fields.String(required=True, metadata={"description": "The level of the stage they are in"})
    stages = ma.fields.List(
        ma.fields.Nested(StageProgressSchema),
        required=True,
        metadata={"description": "Every stage the trainee follows, in training order"},
    )


class PartSchema(ma.Schema):
    attempts = ma.fields.Integer(required=True)
    passed_on = ma.fields.Date(required=True, allow_none=True)
    status = ma.fields.String(required=True, metadata={"description": "The exam page's words for this part"})


class CheckSchema(ma.Schema):
    rule = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "met, not_met, needs_evidence, …"})
    reason = ma.fields.String(required=True)
    sources = ma.fields.List(ma.fields.Nested(SourceSchema), required=True)


class SittingSchema(ma.Schema):
    id = ma.fields.Integer(required=True, allow_none=True)
    part = ma.fields.String(required=True, metadata={"description": "MCQ or SOE"})
    sits_on = ma.fields.Date(required=True)
    opens_on = ma.fields.Date(required=True, metadata={"description": "Applications open at 09:00 UK time"})
    closes_on = ma.fields.Date(required=True, metadata={"description": "Applications close at 17:00 UK time"})
    membership_deadline = ma.fields.Date(
        required=True, allow_none=True, metadata={"description": "The last day to apply for FPM membership for it"}
    )


class EligibilitySchema(ma.Schema):
    sitting = ma.fields.Nested(SittingSchema, required=True)
    attempt_number = ma.fields.Integer(required=True)
    window = ma.fields.String(required=True, metadata={"description": "not_open, open or closed"})
    needed = ma.fields.Boolean(required=True, metadata={"description": "False when the part is passed already"})
    eligible = ma.fields.Boolean(required=True, metadata={"description": "No condition to sit it is unmet"})
    checks = ma.fields.List(ma.fields.Nested(CheckSchema), required=True)


class ExamReadinessSchema(ma.Schema):
    trainee_id = ma.fields.Integer(required=True)
    curriculum_version = ma.fields.String(required=True)
    mcq = ma.fields.Nested(PartSchema, required=True)
    soe = ma.fields.Nested(PartSchema, required=True)
    mcq_expires_on = ma.fields.Date(
        required=True, allow_none=True, metadata={"description": "The first day the MCQ pass no longer counts"}
    )
    rapm_confirmed_on = ma.fields.Date(
        required=True, allow_none=True, metadata={"description": "The Regional Advisor's confirmation for the SOE"}
    )
    next_sitting = ma.fields.Nested(
        EligibilitySchema,
        required=True,
        allow_none=True,
        metadata={"description": "The next sitting they may apply for, with its deadline (closes_on); null if none"},
    )
    upcoming = ma.fields.List(ma.fields.Nested(EligibilitySchema), required=True)
