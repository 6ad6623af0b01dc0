"""Fields the API's schemas share."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma


class UtcDateTime(ma.fields.DateTime):
    """An instant as RFC 3339 with its offset. The database keeps instants as naive UTC (platform/clock.utcnow), which
    marshmallow would write without an offset, which is not an OpenAPI date-time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
