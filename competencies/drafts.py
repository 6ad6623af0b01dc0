"""Form drafts: which forms keep a draft of what was typed, the shape of a draft's key and payload, how long a draft
is kept, and when the time-out warning comes before an idle session ends.

A draft is what someone typed into a long form and has not saved yet, kept so that a time-out, a closed tab or a
change of device loses nothing. Every limit here is the programme's own rule (no published source sets one); each
says so through provenance.origin, as the cohort flags do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .flags import Threshold
from .provenance import SUGGESTION

# What a key names: the form, and the record it belongs to (a number, or a stage key for a HALO request).
KEY_SHAPES: dict[str, re.Pattern[str]] = {
    "evidence-new": re.compile(r"evidence-new"),
    "evidence-edit": re.compile(r"evidence-edit-([1-9][0-9]{0,9})"),
    "signoff": re.compile(r"signoff-([1-9][0-9]{0,9})"),
    "halo-ask": re.compile(r"halo-ask-([a-z0-9][a-z0-9_-]{0,29})"),
    "halo-decide": re.compile(r"halo-decide-([1-9][0-9]{0,9})"),
}
FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")

MAX_KEY_LENGTH = 64
MAX_PAYLOAD_BYTES = Threshold(
    "draft_max_payload_bytes", 65536, "bytes one draft's payload may hold (the longest form's limits with room)", SUGGESTION
)
MAX_FIELDS = Threshold("draft_max_fields", 60, "fields one draft may hold", SUGGESTION)
MAX_VALUES_PER_FIELD = Threshold(
    "draft_max_values_per_field", 200, "values one field of a draft may hold (ticked boxes)", SUGGESTION
)
MAX_FIELD_CHARACTERS = Threshold(
    "draft_max_field_characters", 20000, "characters one value of a draft may hold (a reflection is at most 10,000)", SUGGESTION
)
KEEP_DAYS = Threshold(
    "draft_keep_days", 30, "days an unsaved draft is kept after its last change before it is purged", SUGGESTION
)
TIMEOUT_WARNING_SECONDS = Threshold(
    "timeout_warning_seconds",
    120,
    "seconds before an idle session ends that the page warns and offers to stay signed in",
    SUGGESTION,
)

RULES: dict[str, Threshold] = {
    t.key: t
    for t in (MAX_PAYLOAD_BYTES, MAX_FIELDS, MAX_VALUES_PER_FIELD, MAX_FIELD_CHARACTERS, KEEP_DAYS, TIMEOUT_WARNING_SECONDS)
}


@dataclass(frozen=True)
class DraftKey:
    """A parsed key: the kind of form and the record it names ("" for a new entry)."""

    kind: str
    argument: str

    @property
    def record_id(self) -> int | None:
        return int(self.argument) if self.argument.isdigit() else None


class DraftError(ValueError):
    """A draft that cannot be kept, in words; `too_large` tells a size refusal (413) from a malformed one (400)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def parse_key(key: str) -> DraftKey | None:
    """The kind and record a key names, or None for a key of no known shape."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH:
        return None
    for kind, shape in KEY_SHAPES.items():
        match = shape.fullmatch(key)
        if match:
            return DraftKey(kind, match.group(1) if shape.groups else "")
    return None


def clean_payload(fields: object, excluded: frozenset[str] = frozenset()) -> dict[str, str | list[str]]:
    """The draft's fields as {name: text or list of texts}, checked against the limits above; excluded names (the
    CSRF token, hidden and file fields) are dropped. Raises DraftError saying what is wrong."""
    if not isinstance(fields, dict):
        raise DraftError("A draft is a set of named fields.")
    if len(fields) > MAX_FIELDS.value:
        raise DraftError(f"A draft holds at most {MAX_FIELDS.value} fields.", too_large=True)
    cleaned: dict[str, str | list[str]] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
            raise DraftError("A draft's field names are letters, digits, hyphens and underscores.")
        if name in excluded:
            continue
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_VALUES_PER_FIELD.value:
            raise DraftError(f"A draft's field holds at most {MAX_VALUES_PER_FIELD.value} values.", too_large=True)
        if not all(isinstance(each, str) for each in values):
            raise DraftError("A draft's values are text.")
        if any(len(each) > MAX_FIELD_CHARACTERS.value for each in values):
            raise DraftError(f"A draft's field holds at most {MAX_FIELD_CHARACTERS.value:,} characters.", too_large=True)
        cleaned[name] = list(values) if isinstance(value, list) else value
    if len(encode(cleaned).encode("utf-8")) > MAX_PAYLOAD_BYTES.value:
        raise DraftError(f"A draft holds at most {MAX_PAYLOAD_BYTES.value // 1024} KB of text.", too_large=True)
    return cleaned


def encode(payload: dict) -> str:
    """The stored form of a payload: JSON with sorted keys."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> dict[str, str | list[str]]:
    """A stored payload back as fields; anything unreadable is an empty draft rather than an error."""
    try:
        payload = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def warning_seconds(idle_timeout_seconds: float, configured: float | None = None) -> int:
    """How long before the idle time-out the warning shows: the configured value (else the rule's), never more than
    half the idle time-out, so a short time-out still leaves time to work before the warning."""
    wanted = TIMEOUT_WARNING_SECONDS.value if configured is None else configured
    return int(max(0, min(wanted, idle_timeout_seconds / 2)))
