"""Writing evidence: create, edit, delete drafts and new versions of signed entries, keeping progress and audit current.

Every function works in the caller's transaction; the caller commits once.
"""

from __future__ import annotations

import functools
import weakref
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import String, bindparam, func, insert, select, true
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import update as sql_update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from competencies import DETAIL_FIELDS, Curriculum, detail_fields, lifecycle
from trainee_portal import audit, policy
from trainee_portal.extensions import db
from trainee_portal.logbook import attachments
from trainee_portal.models import EvidenceCompetency, EvidenceEntry, HaloEvidence, SignOff, SignOffRequest, TraineeProfile
from trainee_portal.platform import json_rows
from trainee_portal.platform.clock import utcnow
from trainee_portal.signoff import services as signoff_services
from trainee_portal.summaries import progress, readiness

FORM_FIELDS = ("evidence_type", "occurred_on", "title", *EvidenceEntry.DETAIL_FIELDS)
COPIED_FIELDS = FORM_FIELDS + (
    "trainee_id",
    "stage_level",
    "attachment_name",
    "attachment_path",
    "attachment_mime",
    "attachment_size",
    "attachment_sha256",
)


class EvidenceError(Exception):
    """A write the rules refuse, with a message for the user."""


def competency_groups(curriculum: Curriculum, current_level: str) -> list[dict]:
    """The curriculum's competencies grouped by stage, the trainee's current stage first."""
    groups = [
        {
            "level": stage.level,
            "key": stage.key,
            "name": stage.name,
            "current": stage.level == current_level,
            "choices": [(c.code, f"{c.code} – {c.title}") for c in stage.competencies],
        }
        for stage in curriculum.stages
    ]
    return sorted(groups, key=lambda g: not g["current"])


_CHOICES: dict[int, tuple[weakref.ref, tuple[tuple[str, str], ...]]] = {}


def competency_choices(curriculum: Curriculum) -> list[tuple[str, str]]:
    """Every competency of the curriculum as (code, "code – title"), in the curriculum's order. Worked out once per
    curriculum object (a curriculum is immutable; every evidence form and CSV row asks), each caller given its own
    list. Keyed by identity (hashing a frozen curriculum walks all of it) and held weakly: a curriculum the registry
    dropped (reloaded after a version was published) takes its entry with it."""
    key = id(curriculum)
    known = _CHOICES.get(key)
    if known is None or known[0]() is not curriculum:
        choices = tuple((c.code, f"{c.code} – {c.title}") for stage in curriculum.stages for c in stage.competencies)
        known = _CHOICES[key] = (weakref.ref(curriculum, functools.partial(_forget_choices, key)), choices)
    return list(known[1])


def _forget_choices(key: int, gone: weakref.ref) -> None:
    if _CHOICES.get(key, (None,))[0] is gone:  # not an entry made since for a new curriculum at the same address
        _CHOICES.pop(key, None)


def stage_level_for(curriculum: Curriculum, codes, current_level: str) -> str:
    """The stage an entry counts for: its competencies' stage, else the current stage when it is among them."""
    levels = [curriculum.stage(curriculum.competency(code).stage_key).level for code in codes]
    if levels and len(set(levels)) == 1:
        return levels[0]
    return current_level if current_level in levels or not levels else levels[0]


def last_of_kind(trainee_id: int, kind: str | None) -> dict:
    """The setting and hospital of the trainee's latest entry of this kind, and its date, so the next entry of the
    kind starts from them; never another kind's (a ward round's setting is no clinic's). Empty when there is none."""
    if not kind:
        return {}
    row = db.session.execute(
        select(EvidenceEntry.setting, EvidenceEntry.hospital, EvidenceEntry.occurred_on)
        .where(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.evidence_type == kind)
        .order_by(EvidenceEntry.created_at.desc(), EvidenceEntry.id.desc())
        .limit(1)
    ).first()
    if row is None or not (row.setting or row.hospital):
        return {}
    return {"setting": row.setting or "", "hospital": row.hospital or "", "occurred_on": row.occurred_on}


def _set_competencies(entry: EvidenceEntry, codes) -> None:
    wanted = list(dict.fromkeys(codes))
    entry.competencies = [c for c in entry.competencies if c.competency_code in wanted] + [
        EvidenceCompetency(competency_code=code) for code in wanted if code not in entry.competency_codes
    ]


def _apply(entry: EvidenceEntry, values: dict, profile: TraineeProfile, curriculum: Curriculum) -> None:
    for name in FORM_FIELDS:
        value = values.get(name)
        setattr(entry, name, value if value not in ("",) else None)
    entry.notes = values.get("notes") or ""
    entry.reflection = values.get("reflection") or ""
    _set_competencies(entry, values["competencies"])
    entry.stage_level = stage_level_for(curriculum, values["competencies"], profile.current_stage)


def _attach(entry: EvidenceEntry, stored: attachments.StoredFile | None) -> str | None:
    """Point the entry at a new file; returns the file it no longer uses."""
    if stored is None or stored.path == entry.attachment_path:
        return None
    old = entry.attachment_path
    entry.attachment_name, entry.attachment_path = stored.name, stored.path
    entry.attachment_mime, entry.attachment_size = stored.mime, stored.size
    entry.attachment_sha256 = stored.sha256
    return old


@functools.cache
def _insert_statements() -> tuple:
    """The entry's INSERT (RETURNING its id), its links' INSERT, on PostgreSQL both as one statement (a data-modifying
    WITH: the entry, its values sent as JSON (platform.json_rows), then a link per code of the `codes` array), and per
    column but the id: the attribute, the column's key and its default (a callable's value is taken per entry), built
    once."""
    entries, links = EvidenceEntry.__table__, EvidenceCompetency.__table__
    columns = []
    for attr in sa_inspect(EvidenceEntry).column_attrs:
        if attr.key != "id":
            default = attr.columns[0].default
            columns.append((attr.key, attr.columns[0].key, default))
    names = [column for _, column, _ in columns]
    sent = json_rows.recordset(entries, names, "entry")  # the entry's values as one JSON parameter
    added = insert(entries).from_select(names, select(*(sent.c[name] for name in names))).returning(entries.c.id).cte("added")
    codes = (
        func.unnest(bindparam("codes", type_=postgresql.ARRAY(String())))  # no length in the cast: PostgreSQL cuts to it
        .table_valued("code")
        .render_derived(name="codes")
    )
    link_rows = insert(links).from_select(
        ["evidence_id", "competency_code"], select(added.c.id, codes.c.code).join_from(added, codes, true())
    )
    return _Inserts(
        add_entry=insert(entries).returning(entries.c.id),
        add_links=insert(links),
        with_links=link_rows.returning(links.c.evidence_id),
        ctes=(added, link_rows.returning(links.c.evidence_id).cte("links")),
        answer=added.c.id,
        columns=tuple(columns),
    )


@dataclass(frozen=True)
class _Inserts:
    add_entry: object  # the entry's INSERT, RETURNING its id
    add_links: object  # its links' INSERT
    with_links: object  # PostgreSQL: both as one statement, answering with the id once per link
    ctes: tuple  # PostgreSQL: both as CTEs, to be sent within another statement (progress.Along)
    answer: object  # the id, as those CTEs answer it
    columns: tuple  # per column but the id: the attribute, the column's key and its default


def _entry_row(entry: EvidenceEntry) -> tuple[dict, list[str]]:
    """The new entry's row (columns it does not set take their defaults here, so the object holds every value
    written) and its competency codes."""
    for key, _column, default in _insert_statements().columns:
        if key not in entry.__dict__:
            setattr(entry, key, None if default is None else default.arg if default.is_scalar else default.arg(None))
    row = {column: getattr(entry, key) for key, column, _ in _insert_statements().columns}
    return row, [link.competency_code for link in entry.competencies]


def _sent_as_json(row: dict, codes: list[str]) -> dict:
    return {"entry": json_rows.dumps([row], row), "codes": codes}


def _send_insert(row: dict, codes: list[str]) -> int:
    """INSERT the entry (RETURNING its id) and its links; the id."""
    statements = _insert_statements()
    if codes and db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(statements.with_links, _sent_as_json(row, codes)).scalars().first()
    entry_id = db.session.execute(statements.add_entry, row).scalar_one()
    if codes:  # an MSF released in a stage that names no MSF competency links to none
        db.session.execute(statements.add_links, [{"evidence_id": entry_id, "competency_code": code} for code in codes])
    return entry_id


def _in_session(entry: EvidenceEntry, entry_id: int) -> EvidenceEntry:
    """Put the new entry and its links in the session as the rows they now are: no unit-of-work flush, no read after."""
    entry.id = entry_id
    for link in entry.competencies:
        link.evidence_id = entry.id
        make_transient_to_detached(link)
    make_transient_to_detached(entry)
    db.session.add(entry)
    return entry


def attach(entry: EvidenceEntry) -> EvidenceEntry:
    """A new entry create() returned outside the session (attach=False), put in it as the rows it is; an entry
    already in the session is returned as it is."""
    if sa_inspect(entry).transient:
        _in_session(entry, entry.id)
    return entry


def _insert(entry: EvidenceEntry) -> EvidenceEntry:
    """INSERT a new entry built in memory (RETURNING its id) and its competency links, then put the objects in the
    session as the rows they now are."""
    return _in_session(entry, _send_insert(*_entry_row(entry)))


def _along(row: dict, codes: list[str]) -> progress.Along:
    """The entry's INSERT for progress.record_change to send within its one statement where it sends one (PostgreSQL),
    else on its own before the change."""
    statements = _insert_statements()
    params = _sent_as_json(row, codes) if db.session.get_bind().dialect.name == "postgresql" else {}
    return progress.Along(statements.ctes, statements.answer, params, send=lambda: _send_insert(row, codes))


def create(
    user,
    profile: TraineeProfile,
    curriculum: Curriculum,
    values: dict,
    stored: attachments.StoredFile | None,
    *,
    attach: bool = True,
) -> EvidenceEntry:
    """Record a new draft. Its content hash and what it adds to the summaries are worked out before the INSERT
    (neither depends on the id), so not while the write holds the database (SQLite lets one transaction write at a
    time); the refresh skips readiness (a draft is no item of it) and the audit record comes last, so the audit
    head's lock is held only from the record to the commit.

    `attach=False`: the entry is returned with its id but outside the session (a caller that only needs its id and
    title after the commit, as the form's save does, spares the write the session's bookkeeping while it holds the
    database); attach() puts it in later if needed."""
    entry = EvidenceEntry(trainee_id=profile.user_id, status=lifecycle.DRAFT, version=1)
    _apply(entry, values, profile, curriculum)
    _attach(entry, stored)
    entry.content_hash = entry.compute_content_hash()
    added = progress.contribution(entry)
    entry_id = progress.record_change(
        profile.user_id,
        Counter(),
        added,
        readiness_affected=readiness.counts_evidence_in(entry.status),
        requests_changed=False,  # a new entry has no request yet
        along=_along(*_entry_row(entry)),  # the entry's INSERT, before the change or within its one statement
    )
    if attach:
        _in_session(entry, entry_id)
    else:
        entry.id = entry_id
    audit.record(
        "evidence.created",
        entry,
        {
            "evidence_type": entry.evidence_type,
            "version": entry.version,
            "content_hash": entry.content_hash,
            **attachments.audit_fields(entry),
        },
        actor=user,
    )
    return entry


def why_not_editable(entry: EvidenceEntry) -> str:
    """Why the owner cannot change this entry now, in words for them (the edit page and the API say the same)."""
    if not entry.is_current:
        return "A newer version replaced this evidence, so this version cannot change. Edit the current version instead."
    if policy.awaiting_confirmation(entry):
        return (
            "An outside assessor signed this evidence and your educational supervisor has not yet confirmed the "
            "signature, so it cannot change until they confirm or decline it."
        )
    if lifecycle.may_revise(entry.status):
        return "This evidence was signed off, so it cannot change. Create a new version to change it."
    return "This evidence cannot be changed now."


def kept_details(entry: EvidenceEntry, kind: str | None) -> frozenset[str]:
    """Text an entry holds in a detail its kind does not record (saved before the kinds' details were set, or
    imported): shown and kept while it stays that kind, so editing never drops it unseen."""
    if kind != entry.evidence_type:
        return frozenset()
    return frozenset(
        name for name in DETAIL_FIELDS if name != "attachment" and name not in detail_fields(kind) and getattr(entry, name)
    )


class StaleEvidence(EvidenceError):
    """The entry changed since the form was built (another tab, a decision): nothing was saved."""


def _claim(entry: EvidenceEntry, seen_row_version: int, **values) -> None:
    """Take the entry for this save only if it is still the row the form was built from, current and editable."""
    result = db.session.execute(
        sql_update(EvidenceEntry)
        .where(
            EvidenceEntry.id == entry.id,
            EvidenceEntry.row_version == seen_row_version,
            EvidenceEntry.status.in_(lifecycle.EDITABLE),
            EvidenceEntry.superseded_at.is_(None),
        )
        .values(row_version=EvidenceEntry.row_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleEvidence("This evidence changed after you opened it, so your changes were not saved.")
    for name, value in {"row_version": seen_row_version + 1, **values}.items():
        set_committed_value(entry, name, value)  # the row already says so: no second write of these columns


def update(
    user,
    entry: EvidenceEntry,
    profile: TraineeProfile,
    curriculum: Curriculum,
    values: dict,
    stored: attachments.StoredFile | None,
    seen_row_version: int,
) -> str | None:
    """Change an editable entry; returns a file no entry uses any more (delete it after the commit).

    Only the version the form was built from can be saved (an optimistic lock: a stale form raises StaleEvidence and
    changes nothing). Evidence waiting for sign-off goes back to draft and its request is withdrawn, in this same
    transaction; if the request was decided meanwhile, SignOffConflict and nothing is saved.
    """
    if entry.row_version != seen_row_version:
        raise StaleEvidence("This evidence changed after you opened it, so your changes were not saved.")
    before, old_hash, old_status = progress.contribution(entry), entry.content_hash, entry.status
    withdrawn = None
    if lifecycle.WITHDRAW.allows(entry.status):  # editing evidence that waits for sign-off withdraws the request
        withdrawn = signoff_services.withdraw_for_edit(user, entry)
        _claim(entry, seen_row_version, status=lifecycle.WITHDRAW.target, submitted_at=None)
    else:
        _claim(entry, seen_row_version)
    _apply(entry, values, profile, curriculum)
    replaced = _attach(entry, stored)
    entry.content_hash = entry.compute_content_hash()
    progress.record_change(
        entry.trainee_id,
        before,
        progress.contribution(entry),
        readiness_affected=readiness.counts_evidence_in(old_status) or readiness.counts_evidence_in(entry.status),
    )
    if withdrawn is not None:  # its audit record after the summaries: the tallies and the trainee's row before the head
        signoff_services.record_withdrawal(user, withdrawn)
    audit.record(
        "evidence.updated",
        entry,
        {"previous_hash": old_hash, "content_hash": entry.content_hash, **attachments.audit_fields(entry)},
        actor=user,
    )
    return replaced if replaced and not _file_in_use(replaced) else None


def _file_in_use(path: str) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(EvidenceEntry).where(EvidenceEntry.attachment_path == path)))


def delete_draft(user, entry: EvidenceEntry) -> str | None:
    """Remove a draft nobody was ever asked to sign; returns its file when no other version shares it."""
    asked = db.session.scalar(select(func.count()).select_from(SignOffRequest).where(SignOffRequest.evidence_id == entry.id))
    if asked:
        raise EvidenceError("This draft has a sign-off history, so it is kept. Edit it instead.")
    named = db.session.scalar(select(func.count()).select_from(HaloEvidence).where(HaloEvidence.evidence_id == entry.id))
    if named:
        raise EvidenceError("A HALO request names this draft as evidence, so it is kept. Edit it instead.")
    before = progress.contribution(entry)
    path, entry_id, content_hash = entry.attachment_path, entry.id, entry.content_hash
    db.session.delete(entry)
    db.session.flush()
    progress.record_change(entry.trainee_id, before, Counter(), readiness_affected=False)  # a draft: no readiness item
    audit.append(
        "evidence.deleted",
        actor=user,
        trainee_id=entry.trainee_id,
        subject_type="evidence",
        subject_id=entry_id,
        payload={"content_hash": content_hash},
    )
    return path if path and not _file_in_use(path) else None


def newer_version(entry: EvidenceEntry) -> EvidenceEntry | None:
    """The version that directly replaced this one, if any."""
    return db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.supersedes_id == entry.id))


def new_version(user, old: EvidenceEntry) -> EvidenceEntry:
    """Copy signed evidence into a new draft that supersedes it, and visibly void the old signatures.

    The old entry is marked superseded only if nobody else did it first (a double click, two tabs): the guarded
    UPDATE makes the second request wait for the first and then change nothing, so it raises instead of forking.
    """
    before = progress.contribution(old)
    now = utcnow()
    claimed = db.session.execute(
        sql_update(EvidenceEntry)
        .where(EvidenceEntry.id == old.id, EvidenceEntry.superseded_at.is_(None))
        .values(superseded_at=now, row_version=EvidenceEntry.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise EvidenceError(
            "A newer version of this evidence already exists, so no other version was made. Carry on with the newer version."
        )
    set_committed_value(old, "superseded_at", now)  # the row already says so: keep the object in step, no second write
    set_committed_value(old, "row_version", old.row_version + 1)
    new = EvidenceEntry(
        **{name: getattr(old, name) for name in COPIED_FIELDS},
        status=lifecycle.DRAFT,
        version=old.version + 1,
        supersedes_id=old.id,
    )
    new.competencies = [EvidenceCompetency(competency_code=code) for code in old.competency_codes]
    db.session.add(new)
    db.session.flush()
    new.content_hash = new.compute_content_hash()
    reason = f"Superseded by version {new.version} (evidence {new.id})"
    signoffs = db.session.scalars(select(SignOff).where(SignOff.evidence_id == old.id, SignOff.voided_at.is_(None))).all()
    for signoff in signoffs:
        signoff.voided_at, signoff.void_reason = old.superseded_at, reason
    progress.record_change(old.trainee_id, before, progress.contribution(new))
    # The audit records last: every write takes the tallies and the trainee's row before the audit chain's head.
    audit.record(
        "evidence.new_version",
        new,
        {"supersedes_id": old.id, "version": new.version, **attachments.audit_fields(new)},
        actor=user,
    )
    for signoff in signoffs:
        audit.record(
            "signoff.voided", old, {"signoff_id": signoff.id, "reason": reason, "content_hash": signoff.content_hash}, actor=user
        )
    return new
