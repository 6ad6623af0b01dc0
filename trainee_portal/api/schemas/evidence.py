"""A trainee's evidence over the API: the entry as it is read, the fields a write sends (checked again by the
evidence form, as on the pages), the list's filters and page, and a request for sign-off."""

from __future__ import annotations

import marshmallow as ma

from competencies import EVIDENCE_TYPES, GUIDANCE_MODES, PROCEDURE_TECHNIQUES, STAGE_LEVELS, lifecycle, required_details
from trainee_portal.api import keyset
from trainee_portal.api.schemas.fields import UtcDateTime
from trainee_portal.logbook import vocab

MAX_LIMIT = 100  # entries on one page at most
DEFAULT_LIMIT = 25


def _text(description: str, **kwargs) -> ma.fields.String:
    return ma.fields.String(metadata={"description": description}, **kwargs)


def _required_for(detail: str) -> str:
    """The kinds of evidence that cannot be saved without this detail, in words for its description (the form's rule,
    competencies.required_details)."""
    kinds = [code for code in EVIDENCE_TYPES if detail in required_details(code)]
    return f"; required for {', '.join(kinds)}" if kinds else ""


class EvidenceWriteSchema(ma.Schema):
    """What the evidence form takes, without its file: attachments are added on the logbook page, not over the API.
    The kind decides which details are recorded (others are ignored) and which are required, as on the form."""

    evidence_type = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(EVIDENCE_TYPES)),
        metadata={"description": "The kind of evidence (its code)"},
    )
    occurred_on = ma.fields.Date(
        required=True, metadata={"description": "When it happened (UK date, not in the future, nor too long ago)"}
    )
    title = _text("A few words to find it again; no patient details", required=True, validate=ma.validate.Length(max=200))
    competencies = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=20)),
        required=True,
        validate=ma.validate.Length(max=200),
        metadata={
            "description": "Codes of competencies of the trainee's curriculum this evidence shows (at least one): "
            "GET /api/v1/me names the curriculum, GET /api/v1/curricula/{version} lists its codes"
        },
    )
    setting = _text("Where it happened", allow_none=True, validate=ma.validate.OneOf(["", *vocab.SETTINGS]))
    hospital = _text("The hospital's name", allow_none=True, validate=ma.validate.Length(max=120))
    supervision_level = _text(
        "The level of supervision" + _required_for("supervision_level"),
        allow_none=True,
        validate=ma.validate.OneOf(["", *vocab.LABELS["supervision_level"]]),
    )
    technique = _text(
        "A procedure's technique" + _required_for("technique"),
        allow_none=True,
        validate=ma.validate.OneOf(["", *PROCEDURE_TECHNIQUES]),
    )
    guidance = _text(
        "A procedure's guidance" + _required_for("guidance"), allow_none=True, validate=ma.validate.OneOf(["", *GUIDANCE_MODES])
    )
    notes = _text(
        "What was done and learned; never names, dates of birth, NHS or hospital numbers or postcodes" + _required_for("notes"),
        allow_none=True,
        validate=ma.validate.Length(max=5000),
    )
    reflection = _text(
        "Reflection; no patient details" + _required_for("reflection"), allow_none=True, validate=ma.validate.Length(max=10000)
    )


class EvidenceFilterSchema(ma.Schema):
    """The logbook page's filters, and a page of the list."""

    kind = ma.fields.String(validate=ma.validate.OneOf(list(EVIDENCE_TYPES)), metadata={"description": "Evidence type"})
    status = ma.fields.String(validate=ma.validate.OneOf(list(lifecycle.STATUSES)))
    stage = ma.fields.String(validate=ma.validate.OneOf(list(STAGE_LEVELS)), metadata={"description": "Stage level"})
    competency = ma.fields.String(validate=ma.validate.Length(max=20), metadata={"description": "A competency code"})
    date_from = ma.fields.Date(data_key="from", metadata={"description": "Occurred on or after this date"})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "Occurred on or before this date"})
    q = _text("Words in the title, notes, reflection or hospital, as the logbook's search", validate=ma.validate.Length(max=100))
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Entries on one page (at most {MAX_LIMIT})"},
    )
    cursor = keyset.cursor_field(keyset.DAY)


class LinksSchema(ma.Schema):
    self = _text("This entry in the API", required=True)
    page = _text("This entry's page in the portal", required=True)


class EvidenceSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    trainee_id = ma.fields.Integer(required=True)
    evidence_type = ma.fields.String(required=True)
    occurred_on = ma.fields.Date(required=True)
    title = ma.fields.String(required=True)
    stage_level = ma.fields.String(required=True, metadata={"description": "The stage the entry counts for"})
    competencies = ma.fields.List(ma.fields.String(), required=True, attribute="competency_codes")
    status = ma.fields.String(required=True, metadata={"description": "draft, submitted, signed or returned"})
    version = ma.fields.Integer(required=True, metadata={"description": "1 for a first version; a new version adds one"})
    row_version = ma.fields.Integer(
        required=True, metadata={"description": "Moves on with every change; the ETag is made from it"}
    )
    content_hash = ma.fields.String(required=True, allow_none=True, metadata={"description": "SHA-256 of the content"})
    current = ma.fields.Boolean(
        required=True, attribute="is_current", metadata={"description": "False once a newer version replaced it"}
    )
    links = ma.fields.Nested(LinksSchema, required=True)


class PersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class PendingRequestSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    supervisor = ma.fields.Nested(
        PersonSchema, required=True, allow_none=True, metadata={"description": "Null when an outside assessor was asked"}
    )
    asked_at = UtcDateTime(required=True)


class SignatureSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    signed_by = ma.fields.String(required=True, metadata={"description": "The supervisor's or outside assessor's name"})
    signed_at = UtcDateTime(required=True)
    assurance = ma.fields.String(
        required=True, metadata={"description": "supervisor, trusted or unconfirmed (an outside assessor)"}
    )
    supervision_level = ma.fields.String(required=True)


class SignOffStateSchema(ma.Schema):
    pending_request = ma.fields.Nested(
        PendingRequestSchema, required=True, allow_none=True, metadata={"description": "The request waiting, if any"}
    )
    signatures = ma.fields.List(
        ma.fields.Nested(SignatureSchema), required=True, metadata={"description": "Signatures in force, newest first"}
    )


class AttachmentSchema(ma.Schema):
    name = ma.fields.String(required=True)
    mime = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)


class EvidenceSchema(EvidenceSummarySchema):
    setting = ma.fields.String(required=True, allow_none=True)
    hospital = ma.fields.String(required=True, allow_none=True)
    supervision_level = ma.fields.String(required=True, allow_none=True)
    technique = ma.fields.String(required=True, allow_none=True)
    guidance = ma.fields.String(required=True, allow_none=True)
    notes = ma.fields.String(required=True)
    reflection = ma.fields.String(required=True)
    attachment = ma.fields.Nested(
        AttachmentSchema, required=True, allow_none=True, metadata={"description": "The file, added on the logbook page"}
    )
    supersedes_id = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "The version it replaced"})
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    submitted_at = UtcDateTime(required=True, allow_none=True)
    signed_at = UtcDateTime(required=True, allow_none=True)
    signoff = ma.fields.Nested(SignOffStateSchema, required=True)


class EvidencePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EvidenceSummarySchema), required=True)
    next_cursor = keyset.next_cursor_field(keyset.DAY)


class SignOffRequestWriteSchema(ma.Schema):
    supervisor_id = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "One of the supervisors GET /api/v1/me lists for the trainee"},
    )


class SignOffRequestLinksSchema(ma.Schema):
    evidence = _text("The entry in the API", required=True)
    page = _text("The request's page in the portal", required=True)


class SignOffRequestSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    evidence_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"description": "pending until the supervisor decides"})
    supervisor = ma.fields.Nested(PersonSchema, required=True)
    asked_at = UtcDateTime(required=True)
    links = ma.fields.Nested(SignOffRequestLinksSchema, required=True)
