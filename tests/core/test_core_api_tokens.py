"""The rules of API tokens: the format, the stored hash, scopes in canonical order, expiry limits and when a token
stops working."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from competencies import api_tokens as rules


@given(st.binary(min_size=rules.SECRET_BYTES, max_size=rules.SECRET_BYTES))
def test_every_secret_of_the_format_is_recognised_and_hashes_to_64_hex(raw):
    token = rules.PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert rules.looks_like_token(token)
    digest = rules.hash_secret(token)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert rules.shown_part(token) == token[:12] and len(rules.shown_part(token)) == 12


@given(st.text(max_size=60))
def test_anything_else_is_not_a_token(value):
    if not (value.startswith(rules.PREFIX) and len(value) == len(rules.PREFIX) + 43):
        assert not rules.looks_like_token(value)


def test_a_token_with_a_newline_or_padding_is_not_a_token():
    token = rules.PREFIX + "A" * 43
    assert rules.looks_like_token(token)
    assert not rules.looks_like_token(token + "\n")
    assert not rules.looks_like_token(token[:-1] + "=")
    assert not rules.looks_like_token(" " + token)


def test_scopes_come_back_in_canonical_order_and_unknown_ones_are_named():
    assert rules.parse_scopes(["cohort:read", "read", "nonsense"]) == ("read", "cohort:read")
    assert rules.unknown_scopes(["read", "admin", "write"]) == ["admin", "write"]
    assert rules.parse_scopes(None) == ()


def test_expiry_must_fall_after_today_and_within_the_longest_lifetime():
    today = date(2026, 12, 1)
    assert rules.expiry_problem(None, today)
    assert rules.expiry_problem(today, today)
    assert rules.expiry_problem(today + timedelta(days=1), today) is None
    assert rules.expiry_problem(today + timedelta(days=rules.MAX_LIFETIME_DAYS), today) is None
    assert rules.expiry_problem(today + timedelta(days=rules.MAX_LIFETIME_DAYS + 1), today)
    assert all(days <= rules.MAX_LIFETIME_DAYS for days in rules.LIFETIME_CHOICES)
    assert rules.DEFAULT_LIFETIME_DAYS in rules.LIFETIME_CHOICES


def test_a_token_stops_at_its_expiry_instant_and_at_revocation():
    expires = datetime(2026, 12, 2)
    assert rules.is_live(expires, None, expires - timedelta(microseconds=1))
    assert not rules.is_live(expires, None, expires)
    assert not rules.is_live(expires, datetime(2026, 12, 1), datetime(2026, 12, 1, 12))


def test_last_use_is_written_at_most_once_a_minute():
    now = datetime(2026, 12, 1, 12)
    assert rules.should_record_use(None, now)
    assert not rules.should_record_use(now - timedelta(seconds=59), now)
    assert rules.should_record_use(now - rules.LAST_USED_RESOLUTION, now)
