"""Sign-off over the API: the supervisor's queue, one request with the content it asks them to sign, and the two
decisions (sign, return) with the same rules as the decision form on the page (signoff/forms.DecisionForm)."""

from __future__ import annotations

import marshmallow as ma

from competencies import SUPERVISION_CHOICES
from competencies.identifiers import describe, find_identifiers
from trainee_portal.api import keyset
from trainee_portal.api.schemas.evidence import PersonSchema  # one Person in the document
from trainee_portal.api.schemas.fields import UtcDateTime
from trainee_portal.platform.clock import uk_today

QUEUE_PAGE_DEFAULT = 25
QUEUE_PAGE_MAX = 100
FEEDBACK_MAX = 4000  # as the decision form's feedback
REASON_MAX = 2000  # as the decision form's reason for returning


def no_patient_identifiers(value: str) -> None:
    """The evidence form's identifier guard (competencies.identifiers), for free text sent to the API."""
    findings = find_identifiers(value, today=uk_today())
    if findings:
        raise ma.ValidationError(describe(findings))


# A character that is not white space as str.strip() sees it, spelt out so that JSON Schema's (ECMA-262) regular
# expressions read it as Python's do: ECMA's \s leaves out U+0085 and the separators U+001C to U+001F, and takes in
# U+FEFF, so a pattern of \S would let the document admit a reason the API refuses as blank.
NOT_BLANK = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def not_blank(message: str):
    def check(value: str) -> None:
        if not value.strip():
            raise ma.ValidationError(message)

    return check


class QueueArgsSchema(ma.Schema):
    cursor = keyset.cursor_field(keyset.INSTANT)
    limit = ma.fields.Integer(
        load_default=QUEUE_PAGE_DEFAULT,
        validate=ma.validate.Range(min=1, max=QUEUE_PAGE_MAX),
        metadata={"description": f"Requests per page, 1 to {QUEUE_PAGE_MAX}"},
    )


class EntrySummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    evidence_type = ma.fields.String(required=True)
    stage_level = ma.fields.String(required=True)
    occurred_on = ma.fields.Date(required=True)


class QueueItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "The request's id"})
    trainee = ma.fields.Nested(PersonSchema, required=True)
    evidence = ma.fields.Nested(EntrySummarySchema, required=True)
    asked_at = UtcDateTime(required=True)
    days_waiting = ma.fields.Integer(required=True, metadata={"description": "Whole UK calendar days since asked"})
    content_hash = ma.fields.String(
        required=True, metadata={"description": "SHA-256 of the content a signature would cover now (the request's ETag)"}
    )


class QueuePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(QueueItemSchema), required=True, metadata={"description": "Oldest first"})
    next_cursor = keyset.next_cursor_field(keyset.INSTANT)


class ClaimedCompetencySchema(ma.Schema):
    """A competency the entry claims, as a signature covers it."""

    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)


class EntrySchema(EntrySummarySchema):
    """Everything a signature covers (EvidenceEntry.CONTENT_FIELDS and the claimed competencies)."""

    status = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    setting = ma.fields.String(required=True, allow_none=True)
    hospital = ma.fields.String(required=True, allow_none=True)
    supervision_level = ma.fields.String(required=True, allow_none=True, metadata={"description": "As the trainee put it"})
    technique = ma.fields.String(required=True, allow_none=True)
    guidance = ma.fields.String(required=True, allow_none=True)
    notes = ma.fields.String(required=True)
    reflection = ma.fields.String(required=True)
    attachment_name = ma.fields.String(required=True, allow_none=True)
    competencies = ma.fields.List(ma.fields.Nested(ClaimedCompetencySchema), required=True)
    content_hash = ma.fields.String(required=True, metadata={"description": "SHA-256 of this content: the ETag"})


class DecisionSignatureSchema(ma.Schema):
    """The signature a sign-off decision made."""

    id = ma.fields.Integer(required=True)
    level = ma.fields.String(required=True, metadata={"description": "The supervision level signed at"})
    feedback = ma.fields.String(required=True)
    signed_at = UtcDateTime(required=True)
    method = ma.fields.String(required=True, metadata={"description": "signed_in, assessor_link, in_person_pin or api_token"})
    assurance = ma.fields.String(required=True)
    content_hash = ma.fields.String(required=True, metadata={"description": "SHA-256 of the content signed"})
    label = ma.fields.String(required=True, metadata={"description": "Who signed and what makes it count, in words"})


class RequestSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"description": "pending, signed, returned, cancelled or expired"})
    trainee = ma.fields.Nested(PersonSchema, required=True)
    asked_at = UtcDateTime(required=True)
    days_waiting = ma.fields.Integer(required=True)
    decided_at = UtcDateTime(required=True, allow_none=True)
    return_reason = ma.fields.String(required=True, allow_none=True)
    evidence = ma.fields.Nested(EntrySchema, required=True)
    signature = ma.fields.Nested(DecisionSignatureSchema, required=True, allow_none=True)


class SignSchema(ma.Schema):
    level = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(SUPERVISION_CHOICES), error="Choose the supervision level to sign off at."),
        metadata={"description": "The supervision the trainee needed for this: " + ", ".join(SUPERVISION_CHOICES)},
    )
    feedback = ma.fields.String(
        load_default="",
        validate=[
            ma.validate.Length(max=FEEDBACK_MAX, error=f"Feedback is at most {FEEDBACK_MAX} characters."),
            no_patient_identifiers,
        ],
        metadata={"description": "For the trainee; no patient identifiers"},
    )


class ReturnSchema(ma.Schema):
    reason = ma.fields.String(
        required=True,
        validate=[
            not_blank("Enter the reason for returning it, so the trainee knows what to change."),
            ma.validate.Length(max=REASON_MAX, error=f"The reason is at most {REASON_MAX} characters."),
            no_patient_identifiers,
        ],
        metadata={"description": "The trainee sees this: say what to change. No patient identifiers", "pattern": NOT_BLANK},
    )
