"""The RFC 9457 problem document every API error is answered with (built by platform/errors.py)."""

from __future__ import annotations

import marshmallow as ma


class FieldErrorSchema(ma.Schema):
    location = ma.fields.String(required=True, metadata={"description": "Where the value was: json, query, headers…"})
    field = ma.fields.String(required=True, metadata={"description": "The field, as a dotted path; empty for the whole"})
    message = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    type = ma.fields.String(required=True, metadata={"description": "A URI naming the kind of problem; about:blank"})
    title = ma.fields.String(required=True, metadata={"description": "The HTTP status's phrase"})
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True, metadata={"description": "What went wrong, in words for a person"})
    instance = ma.fields.String(required=True, metadata={"description": "The path that was asked for"})
    errors = ma.fields.List(
        ma.fields.Nested(FieldErrorSchema), metadata={"description": "Each refused value, when input was refused"}
    )
