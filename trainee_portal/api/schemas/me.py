"""The caller's own account, as GET /api/v1/me answers it."""

from __future__ import annotations

import marshmallow as ma

from trainee_portal.api.schemas.fields import UtcDateTime


class TokenSchema(ma.Schema):
    name = ma.fields.String(required=True)
    shown_part = ma.fields.String(required=True, metadata={"description": "The token's first characters, to tell it apart"})
    scopes = ma.fields.List(ma.fields.String(), required=True)
    expires_at = UtcDateTime(required=True, metadata={"description": "UTC; the token stops working then"})


class SupervisorSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "clinical or educational"})


class TraineeSchema(ma.Schema):
    curriculum_version = ma.fields.String(required=True)
    current_stage = ma.fields.String(required=True)
    supervisors = ma.fields.List(
        ma.fields.Nested(SupervisorSchema),
        required=True,
        metadata={"description": "The supervisors currently assigned, whom sign-off can be asked of"},
    )


class MeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    token = ma.fields.Nested(TokenSchema, required=True, metadata={"description": "The token this call was made with"})
    trainee = ma.fields.Nested(
        TraineeSchema, allow_none=True, required=True, metadata={"description": "Only for a trainee; null otherwise"}
    )
