"""PostgreSQL hashes a new audit record in the append's own statement, from the text around the two values only the
head under its lock decides (the record's id and the hash it follows: audit.hash_parts). That text must be exactly
the text record_hash hashes, whatever the record holds, or `verify-audit` would flag honest records."""

from __future__ import annotations

import string
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import AuditHead, AuditRecord

# Text that could confuse a split at the keys' places: the markers themselves, quotes, backslashes, controls,
# characters outside the Basic Multilingual Plane.
TRICKY = st.lists(
    st.sampled_from([*string.printable, '"', "\\", "\x00", "\u2028", "é", "“", "🩺", ',"id":0,"payload":']), max_size=40
).map("".join)
VALUES = st.fixed_dictionaries(
    {
        "actor_id": st.none() | st.integers(min_value=1, max_value=10**9),
        "actor_label": TRICKY,
        "action": TRICKY,
        "trainee_id": st.none() | st.integers(min_value=1, max_value=10**9),
        "subject_type": TRICKY,
        "subject_id": st.none() | st.integers(min_value=0, max_value=10**12),
        "payload": TRICKY.map(lambda text: audit.canonical_json({"text": text, ',"prev_hash":"","subject_id":': 1})),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    values=VALUES,
    record_id=st.integers(min_value=1, max_value=10**15),
    prev_hash=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    created_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
)
def test_the_parts_around_the_id_and_prev_hash_make_the_text_record_hash_hashes(values, record_id, prev_hash, created_at):
    prefix, middle, suffix = audit.hash_parts(created_at, values)
    record = audit.WrittenRecord(id=record_id, created_at=created_at, prev_hash=prev_hash, **values)
    text = prefix + str(record_id) + middle + prev_hash + suffix
    assert text == audit.canonical_json(audit._content(record_id, created_at, values, prev_hash))
    assert audit.hashlib.sha256(text.encode()).hexdigest() == audit.record_hash(record)


@pytest.mark.parametrize(
    "label, note",
    [
        ("Dr Zoë O’Brien <zoe@example.org>", "café – “quotes” \\ backslash"),
        ('quote " and backslash \\ and newline \n', "🩺 outside the BMP, \u2028 line separator"),
        (',"id":0,"payload":', ',"prev_hash":"","subject_id":'),
    ],
)
def test_records_of_any_text_appended_on_either_engine_verify(app, label, note):
    first = audit.append("test.first", subject_type="test", subject_id=1, payload={"note": "plain"}, actor_label="system")
    db.session.commit()
    record = audit.append("test.tricky", subject_type="test", subject_id=2, payload={"note": note}, actor_label=label)
    db.session.commit()
    stored = db.session.get(AuditRecord, record.id)
    assert (stored.prev_hash, stored.record_hash) == (first.record_hash, record.record_hash)
    assert stored.record_hash == audit.record_hash(stored)
    assert db.session.get(AuditHead, 1).last_hash == record.record_hash
    assert audit.verify_chain().ok


def test_a_hash_the_database_works_out_otherwise_than_record_hash_appends_nothing(app, monkeypatch):
    """The append checks the database's hash against record_hash before it answers: were they ever to differ (another
    text than the one hashed here), the write fails whole rather than leave a record `verify-audit` would flag. SQLite's
    append hashes in Python and sends the hash: the parts play no part there, and the record goes in as ever."""
    postgresql = db.engine.dialect.name == "postgresql"
    audit.append("test.first", subject_type="test", subject_id=1, payload={}, actor_label="system")
    db.session.commit()
    real = audit.hash_parts
    monkeypatch.setattr(
        audit, "hash_parts", lambda created_at, values: (lambda p: (p[0], p[1] + " ", p[2]))(real(created_at, values))
    )
    if postgresql:
        with pytest.raises(RuntimeError, match="the database's hash is not the record's"):
            audit.append("test.second", subject_type="test", subject_id=2, payload={}, actor_label="system")
        db.session.rollback()
    else:
        audit.append("test.second", subject_type="test", subject_id=2, payload={}, actor_label="system")
        db.session.commit()
    assert db.session.query(AuditRecord).count() == (1 if postgresql else 2)
    assert audit.verify_chain().ok
