"""What an ARCP panel saw: the rules that rebuild a trainee's record as it stood at a panel's evidence cut-off.

The cut-off is a UK calendar day; evidence counts if it was in by the end of that day. A pack is frozen once the day
is over. Whenever the freezing runs (just after midnight by the daily command, or later when a page first asks),
it keeps only what the record held at that instant: entries in by then, each with the content hash it had then and
its sign-off as it stood then; signatures given after the cut-off, and requests made after it, are left out. Pure
functions over plain values, so the freezing and its tests agree on the same rules."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .calendar_days import UK

SIGNED, AWAITING = "signed", "awaiting sign-off"


def cutoff_instant(cutoff: date) -> datetime:
    """The end of the cut-off day in the UK (its following midnight), in UTC without a zone, as timestamps are stored."""
    midnight = datetime.combine(cutoff + timedelta(days=1), time(0), tzinfo=UK)
    return midnight.astimezone(UTC).replace(tzinfo=None)


def is_due(cutoff: date, now: datetime) -> bool:
    """Whether the cut-off day is over at `now` (UTC, zone-naive), so the pack can be frozen."""
    return now >= cutoff_instant(cutoff)


def at_or_before(moment: datetime | None, instant: datetime) -> bool:
    return moment is not None and moment < instant


def current_at(created_at: datetime, superseded_at: datetime | None, instant: datetime) -> bool:
    """Whether this version of an entry was the current one at the instant: made before it, replaced after it."""
    return created_at < instant and (superseded_at is None or superseded_at >= instant)


@dataclass(frozen=True)
class RequestSpan:
    """A sign-off request: when it was made and when it was closed (signed, returned or cancelled), if it was."""

    created_at: datetime
    closed_at: datetime | None


def status_at(signed_at: datetime | None, requests: Iterable[RequestSpan], instant: datetime) -> str | None:
    """The entry's standing at the instant: signed, awaiting sign-off (a request open then), or None (a draft or a
    returned entry then: not evidence the panel is shown)."""
    if at_or_before(signed_at, instant):
        return SIGNED
    for span in requests:
        if span.created_at < instant and (span.closed_at is None or span.closed_at >= instant):
            return AWAITING
    return None


def content_hash_at(current_hash: str | None, updates: Iterable[tuple[datetime, str | None]], instant: datetime) -> str | None:
    """The entry's content hash at the instant: each in-place edit records the hash it replaced, so the first edit
    after the instant holds the hash from before it; with none, the current hash was already the one."""
    later = sorted((at, previous) for at, previous in updates if at >= instant)
    return later[0][1] if later else current_hash


def value_at(current, updates: Iterable[tuple[datetime, object]], instant: datetime):
    """A value corrected in place (an exam result) as it stood at the instant: each correction records the value it
    replaced, so the first correction after the instant holds the value from before it; with none, the current one."""
    later = sorted(((at, previous) for at, previous in updates if at >= instant), key=lambda pair: pair[0])
    return later[0][1] if later else current


def signature_counted_at(signed_at: datetime, voided_at: datetime | None, instant: datetime) -> bool:
    """Whether a signature existed at the instant and had not been voided by then."""
    return signed_at < instant and (voided_at is None or voided_at >= instant)


def canonical(document: dict) -> str:
    """The pack's stored form: sorted keys, no spaces, so its hash is the same wherever it is computed."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summary(document: dict) -> dict:
    """Counts by stage, kind and standing, as ARCP outcome records summarise the evidence a panel saw."""
    stages: dict[str, dict] = {}
    for item in document.get("evidence", []):
        stage = stages.setdefault(item["stage_level"], {"by_type": {}, "total": 0, "signed": 0})
        stage["by_type"][item["kind"]] = stage["by_type"].get(item["kind"], 0) + 1
        stage["total"] += 1
        if item["status"] == SIGNED:
            stage["signed"] += 1
    return {"stages": stages, "evidence_total": sum(s["total"] for s in stages.values())}
