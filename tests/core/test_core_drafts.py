"""The core's rules for form drafts: the keys' shapes, the payload limits and the time-out warning's lead time."""

from __future__ import annotations

import pytest

from competencies import drafts
from competencies.provenance import SUGGESTION


@pytest.mark.parametrize(
    "key,kind,record_id",
    [
        ("evidence-new", "evidence-new", None),
        ("evidence-edit-12", "evidence-edit", 12),
        ("signoff-7", "signoff", 7),
        ("halo-ask-stage-1", "halo-ask", None),
        ("halo-decide-3", "halo-decide", 3),
    ],
)
def test_known_keys_parse_to_their_form_and_record(key, kind, record_id):
    parsed = drafts.parse_key(key)
    assert (parsed.kind, parsed.record_id) == (kind, record_id)


@pytest.mark.parametrize(
    "key", ["", "evidence", "evidence-edit-", "evidence-edit-0", "evidence-edit-1/2", "signoff-1 ", "halo-ask-", None, 5]
)
def test_anything_else_is_no_key(key):
    assert drafts.parse_key(key) is None


def test_payload_drops_excluded_fields_and_keeps_lists():
    cleaned = drafts.clean_payload({"notes": "a", "csrf_token": "t", "competencies": ["X", "Y"]}, frozenset({"csrf_token"}))
    assert cleaned == {"notes": "a", "competencies": ["X", "Y"]}
    assert drafts.decode(drafts.encode(cleaned)) == cleaned
    assert drafts.decode("not json") == {} and drafts.decode("[1]") == {}


def test_limits_refuse_with_size_or_shape():
    with pytest.raises(drafts.DraftError) as too_long:
        drafts.clean_payload({"notes": "x" * (drafts.MAX_FIELD_CHARACTERS.value + 1)})
    assert too_long.value.too_large
    with pytest.raises(drafts.DraftError) as not_text:
        drafts.clean_payload({"notes": None})
    assert not not_text.value.too_large
    assert drafts.clean_payload({"notes": "x" * drafts.MAX_FIELD_CHARACTERS.value})  # the limit itself is allowed


def test_every_draft_rule_is_labelled_the_programmes_own():
    assert all(rule.basis == SUGGESTION and "programme's own" in rule.provenance for rule in drafts.RULES.values())


def test_the_warning_comes_at_most_halfway_through_the_idle_time():
    assert drafts.warning_seconds(3600) == drafts.TIMEOUT_WARNING_SECONDS.value == 120
    assert drafts.warning_seconds(3600, 300) == 300
    assert drafts.warning_seconds(60, 120) == 30
