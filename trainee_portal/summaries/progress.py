"""Keeps per-trainee progress summaries current on every evidence write, and rebuilds them from scratch.

Callers take `contribution(entry)` before and after changing an entry and hand both to `record_change`,
in the same transaction as the change itself. A trainee moved between curricula keeps credit: each entry on the old
version's codes also counts, once, towards every new code they map to (competencies.transition.entry_codes), so the
tallies the pages read already hold the credit.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    literal_column,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from competencies import (
    EvidenceCount,
    competency_progress,
    curriculum_progress,
    drafts_leave_shares,
    halo,
    lifecycle,
    stage_progress,
    stage_share,
    transition,
)
from trainee_portal import audit, curricula
from trainee_portal.extensions import db
from trainee_portal.models import (
    CurriculumTransition,
    EvidenceCompetency,
    EvidenceEntry,
    EvidenceTally,
    HaloRequest,
    LocalRule,
    StageSignOff,
    TraineeProfile,
    TraineeProgress,
    TraineeSummary,
)
from trainee_portal.platform import json_rows
from trainee_portal.platform.clock import utcnow
from trainee_portal.summaries import evidence_weeks, readiness, response_times, trainee_summary
from trainee_portal.summaries.evidence_weeks import DayKey

STATUS_CATEGORY = lifecycle.PROGRESS_STATUS  # how each evidence status counts towards progress

TallyKey = tuple[str, str, str, str]  # competency code, evidence type, supervision level, status category


def transitions_of(trainee_id: int) -> list[CurriculumTransition]:
    """The trainee's moves between curricula, oldest first."""
    return db.session.scalars(
        select(CurriculumTransition)
        .where(CurriculumTransition.trainee_id == trainee_id)
        .order_by(CurriculumTransition.effective_on, CurriculumTransition.id)
    ).all()


def _credit_from(rows: Iterable[tuple[int, str | None, str | None]]) -> dict[int, dict[str, tuple[str, ...]]]:
    """Credit maps from (trainee, from version, to version) rows in the order the moves took effect."""
    mappings = {(m.from_version, m.to_version): m for m in curricula.registry().mappings()}
    moves: dict[int, dict] = {}
    for trainee_id, old, new in rows:
        if (old, new) in mappings:
            moves.setdefault(trainee_id, {})[(old, new)] = mappings[(old, new)]
    return {trainee_id: transition.credit_map(found.values()) for trainee_id, found in moves.items()}


def credit_maps(trainee_ids: Iterable[int]) -> dict[int, dict[str, tuple[str, ...]]]:
    """For each of these trainees who has moved: old code → the new codes it counts towards (one query)."""
    return _credit_from(
        db.session.execute(
            select(CurriculumTransition.trainee_id, CurriculumTransition.from_version, CurriculumTransition.to_version)
            .where(CurriculumTransition.trainee_id.in_(list(trainee_ids)))
            .order_by(CurriculumTransition.effective_on, CurriculumTransition.id)
        )
    )


# session.info: per trainee, the curriculum versions they followed when this transaction looked their credit map up
# for a change (tally_codes); record_change compares them with the version under the trainee's row's lock.
_CREDIT_SEEN = "progress_credit_seen"


def _credit_for_change(trainee_id: int) -> dict[str, tuple[str, ...]]:
    """The trainee's credit map as committed now, read with the version they follow in one statement, which is noted
    for record_change: a move that commits after this read and before the change holds the trainee's row changes
    what the entry counts towards, and record_change then rebuilds the trainee's tallies under that lock."""
    rows = db.session.execute(
        select(PROFILES.c.curriculum_version, CurriculumTransition.from_version, CurriculumTransition.to_version)
        .select_from(PROFILES.outerjoin(CurriculumTransition, CurriculumTransition.trainee_id == PROFILES.c.user_id))
        .where(PROFILES.c.user_id == trainee_id)
        .order_by(CurriculumTransition.effective_on, CurriculumTransition.id)
    ).all()
    if rows:
        db.session.info.setdefault(_CREDIT_SEEN, {}).setdefault(trainee_id, set()).add(rows[0][0])
    return _credit_from((trainee_id, old, new) for _, old, new in rows).get(trainee_id, {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_credit_seen(session) -> None:
    session.info.pop(_CREDIT_SEEN, None)


def tally_codes(trainee_id: int, codes, credit: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The codes one entry of this trainee counts towards: its own, plus the mapped credit if the trainee has moved
    from the version these codes belong to (looked up only for codes some mapping carries over; `credit`: the
    trainee's credit map, already looked up by a caller counting many entries, under the trainee's row's lock)."""
    codes = tuple(codes)
    sources = {old for m in curricula.registry().mappings() for old, _ in m.competencies}
    if not sources.intersection(codes):
        return codes
    if credit is None:
        credit = _credit_for_change(trainee_id)
    return transition.entry_codes(codes, credit)


def contribution(entry: EvidenceEntry | None, credit: dict[str, tuple[str, ...]] | None = None) -> Counter:
    """What one entry adds to its trainee's summaries (nothing once superseded): tally rows, and the entry and its
    claims by day for the trajectory's weeks (evidence_weeks.DayKey keys). `credit`: see tally_codes."""
    if entry is None or not entry.is_current:
        return Counter()
    level = entry.supervision_level or ""
    category = STATUS_CATEGORY[entry.status]
    found = Counter(
        (code, entry.evidence_type, level, category) for code in tally_codes(entry.trainee_id, entry.competency_codes, credit)
    )
    found.update(evidence_weeks.contribution(entry))
    return found


def _tallies_and_days(counts: Counter) -> tuple[Counter, Counter]:
    """A contribution (or a change of one) split into its tally rows and its day keys, each without zero counts."""
    tallies, days = Counter(), Counter()
    for key, n in counts.items():
        if n:
            (days if isinstance(key, DayKey) else tallies)[key] = n
    return tallies, days


TALLIES = EvidenceTally.__table__
PROGRESS = TraineeProgress.__table__
PROFILES = TraineeProfile.__table__
SUMMARIES = TraineeSummary.__table__
WEEKS = evidence_weeks.WEEKS
HEAD_SEQUENCE, HEAD_HASH = audit.HEAD.c.sequence, audit.HEAD.c.last_hash


@functools.cache
def _write_statements(dialect: str) -> dict:
    """The statements every evidence write sends, built once per dialect (building one costs more than sending it);
    each is sent with its rows as parameters."""
    tally = (pg_insert if dialect == "postgresql" else sqlite_insert)(TALLIES)
    progress_row = (pg_insert if dialect == "postgresql" else sqlite_insert)(PROGRESS)
    add_tallies = tally.on_conflict_do_update(
        index_elements=[c.name for c in TALLIES.primary_key.columns], set_={"count": TALLIES.c.count + tally.excluded.count}
    )
    if dialect == "postgresql":  # its append reads the head under its lock in the append's one statement: no hint
        head_sequence, head_hash = null(), null()
    else:
        head = audit.head_query()
        head_sequence = head.with_only_columns(HEAD_SEQUENCE).scalar_subquery()
        head_hash = head.with_only_columns(HEAD_HASH).scalar_subquery()
    activity = (
        update(PROFILES)
        .where(PROFILES.c.user_id == bindparam("trainee_id"))
        .values(last_activity_at=bindparam("active_at"))
        .returning(
            head_sequence.label("head_sequence"),
            head_hash.label("head_hash"),
            select(func.count()).where(PROGRESS.c.trainee_id == PROFILES.c.user_id).scalar_subquery().label("stages"),
            select(SUMMARIES.c.exam_version)
            .where(SUMMARIES.c.trainee_id == PROFILES.c.user_id)
            .scalar_subquery()
            .label("version"),
            PROFILES.c.stage_started_on,
            PROFILES.c.curriculum_version,
        )
    )
    statements = {
        "add_tallies": add_tallies,
        # The same, answering with each changed count as it now stands (record_change judges drafts by them).
        "add_tallies_held": add_tallies.returning(
            TALLIES.c.competency_code, TALLIES.c.evidence_type, TALLIES.c.supervision_level, TALLIES.c.status, TALLIES.c.count
        ),
        "drop_empty_tallies": delete(TALLIES).where(TALLIES.c.trainee_id == bindparam("trainee_id"), TALLIES.c.count <= 0),
        # The trainee's last activity, answering with the audit chain's head on SQLite (for the write's own audit
        # record: audit.expect_head, so the append that ends the write needs no read of its own; NULL on PostgreSQL,
        # whose append reads the head in its own statement), how many stage results
        # they hold and the curriculum version of their summary row (record_change: whether their rows are there),
        # their stage start as the row now stands (the weeks' weekday: see record_change) and their curriculum
        # version as it now stands (a move committed since the change was worked out: see record_change).
        "active": activity,
        "write_progress": progress_row.on_conflict_do_update(
            index_elements=["trainee_id", "stage_key"],
            set_={c: getattr(progress_row.excluded, c) for c in (*PROGRESS_COLUMNS, "updated_at")},
        ),
        "inputs": _inputs_query(),
    }
    if dialect == "postgresql":
        statements["add_in_one"] = _add_in_one(activity)
    return statements


# What the activity update answers with, in order (record_change reads them by place).
ACTIVE_COLUMNS = ("head_sequence", "head_hash", "stages", "version", "stage_started_on", "curriculum_version")


TALLY_COLUMNS = ("competency_code", "evidence_type", "supervision_level", "status", "count")
WEEK_COLUMNS = ("stage_level", "week_ends_on", "evidence_type", "supervision_level", "status", "competency_code", "count")


def _from_json(table, columns: tuple[str, ...], name: str, after=None):
    """PostgreSQL: INSERT the trainee's rows sent as the JSON parameter `name` (platform.json_rows), each row's count
    added to the row already there. With `after` (a CTE): once per row of it, and only once it has run."""
    sent = json_rows.recordset(table, columns, name)
    source = select(bindparam("trainee_id", type_=Integer), *(sent.c[c] for c in columns))
    if after is not None:
        source = source.select_from(after).join(sent, true())
    rows = pg_insert(table).from_select(["trainee_id", *columns], source)
    key = [c.name for c in table.primary_key.columns]
    return rows.on_conflict_do_update(index_elements=key, set_={"count": table.c.count + rows.excluded.count})


def _add_in_one(activity, along: tuple = (), answer=None):
    """PostgreSQL: a change that only adds, in one statement (a data-modifying WITH) instead of three: the tally rows,
    then the activity update (its WHERE waits for the tallies: the row locks are taken in the order the three
    statements take them, as every other write does), then the week rows counted on the start the request loaded,
    once the activity update has found the trainee's row; with `along` (a caller's data-modifying CTEs: a new entry
    and its links, which lock no row another write holds), those too. Answers with one row: whether the trainee's
    row was found, the activity update's row, the changed tallies as they now stand (JSON: code, type, level,
    status, count) and, with `along`, its `answer` (the new entry's id)."""
    tallies = _from_json(TALLIES, TALLY_COLUMNS, "tallies").returning(*(TALLIES.c[name] for name in TALLY_COLUMNS)).cte("tallies")
    active = activity.where(select(func.count()).select_from(tallies).scalar_subquery() >= 0).cte("active")
    weeks = _from_json(WEEKS, WEEK_COLUMNS, "weeks", after=active).returning(WEEKS.c.trainee_id).cte("weeks")
    found = select(func.count()).select_from(active).scalar_subquery()
    changed = select(func.json_agg(func.json_build_array(*tallies.c))).scalar_subquery()
    columns = [found, *active.c, changed]
    if answer is not None:
        columns.append(select(answer).scalar_subquery())
    one = select(literal_column("1").label("one")).subquery("one")  # one row, whether or not the trainee's row is there
    return select(*columns).select_from(one.outerjoin(active, true())).add_cte(weeks, *along)


@functools.cache
def _add_in_one_along(along: tuple, answer):
    """_add_in_one with a caller's CTEs, built once per caller's statement."""
    return _add_in_one(_write_statements("postgresql")["active"], along, answer)


@dataclass(frozen=True)
class Along:
    """A caller's write that goes with a change (a new entry's INSERT): its data-modifying CTEs, built once (the same
    objects every time), the column they answer with and their parameters, which record_change sends within its one
    statement where it sends one; else `send()` sends it on its own, first. Either way record_change returns the
    answer."""

    ctes: tuple
    answer: object
    params: dict
    send: Callable[[], object]


def _statement(name: str):
    return _write_statements(db.session.get_bind().dialect.name)[name]


def _tally_rows(trainee_id: int, delta: Counter) -> list[dict]:
    return [
        {
            "trainee_id": trainee_id,
            "competency_code": code,
            "evidence_type": kind,
            "supervision_level": level,
            "status": status,
            "count": n,
        }
        for (code, kind, level, status), n in sorted(delta.items())
        if n
    ]


def _drop_empty(trainee_id: int, rows: list[dict]) -> None:
    if any(row["count"] < 0 for row in rows):  # only a count that went down can have reached zero
        db.session.execute(_statement("drop_empty_tallies"), {"trainee_id": trainee_id})


def _add_tallies(trainee_id: int, delta: Counter) -> None:
    rows = _tally_rows(trainee_id, delta)
    if rows:
        db.session.execute(_statement("add_tallies"), rows)
        _drop_empty(trainee_id, rows)


def _add_tallies_held(trainee_id: int, delta: Counter) -> dict[TallyKey, int]:
    """_add_tallies, answering with each changed count as it now stands."""
    rows = _tally_rows(trainee_id, delta)
    if not rows:
        return {}
    held = {tuple(row[:4]): row[4] for row in db.session.execute(_statement("add_tallies_held"), rows)}
    _drop_empty(trainee_id, rows)
    return held


def record_change(
    trainee_id: int,
    before: Counter,
    after: Counter,
    *,
    readiness_affected: bool = True,
    requests_changed: bool = True,
    along: Along | None = None,
):
    """Apply the difference between two contributions and refresh the trainee's stage results: only the stages
    whose tallies changed. `readiness_affected`: whether the change can move their ARCP readiness (False for a change
    to drafts only, which readiness does not weigh: readiness.counts_evidence_in). `requests_changed`: whether a
    sign-off request may have come or gone with it (False: the caller knows none did, as for a new entry).

    Where neither can have moved, the change is to drafts a competency already held (competencies
    .drafts_leave_shares) and the trainee's rows are there (a stage result for each stage they follow and a summary
    row of their curriculum version), no stage result, summary or readiness can move: the tallies and the activity
    are all it writes. Rows found missing (deleted, or never made) are made again by the refresh, as by any write
    that reaches it.

    `along`: a caller's write (a new entry's INSERT, see Along), sent within the change's one statement where there
    is one (_adds_in_one), else before the change; returns its answer (None without one)."""
    delta = Counter(after)
    delta.subtract(before)
    changed, days = _tallies_and_days(delta)
    now = utcnow()
    # Before the refresh reads: the profile row's lock makes two writes for one trainee follow one another on
    # PostgreSQL (SQLite has one writer at a time), so each refresh reads the tallies the other left. Its answer's
    # head is a hint (a write that waited for that lock reads the head as it was before): the append checks it.
    counted_on = _loaded(trainee_id, "stage_started_on") if _adds_in_one(changed, days) else None
    if counted_on is not None:
        held, found, answer = _add_in_one_statement(trainee_id, changed, days, counted_on, now, along)
    else:
        answer = along.send() if along is not None else None
        held = _add_tallies_held(trainee_id, changed)
        found = db.session.execute(_statement("active"), {"trainee_id": trainee_id, "active_at": now}).first()
    if found is not None and found[0] is not None:
        audit.expect_head(found[0], found[1])
    profile = db.session.get(TraineeProfile, trainee_id)
    if profile is None or found is None:
        return answer
    set_committed_value(profile, "last_activity_at", now)  # the row says so already: keep the object in step
    # The weeks end on the start's weekday as the row stands under this write's lock, not as the request loaded it:
    # an administrator's new start saved in between has rebuilt the weeks without this entry, which is counted here
    # on the new weekday (on PostgreSQL the UPDATE waited for their commit; SQLite has one writer at a time).
    if counted_on != found[4]:  # not counted yet, or on a start that is no longer the row's: moved to this one
        evidence_weeks.record(trainee_id, found[4], days, counted_on)
    # The change's tally codes were worked out before this write held the trainee's row, from the curriculum moves
    # committed then (tally_codes: an old code counts towards the new codes a move maps it to). A move committed
    # since may have changed them: the row answers another version than the one the trainee followed when their
    # credit map was read for this change (a supervisor's sign-off, say), or than the one this session loaded (the
    # trainee's own request holds their profile). The tallies are then rebuilt from the trainee's entries as they
    # now stand, under the row's lock, so no move comes in between.
    seen = db.session.info.get(_CREDIT_SEEN, {}).pop(trainee_id, set())
    loaded = _loaded(trainee_id, "curriculum_version")
    if any(version != found[5] for version in (*seen, *((loaded,) if loaded is not None else ()))):
        db.session.refresh(profile)
        rebuild_trainee(trainee_id)
        return answer
    if (
        not (readiness_affected or requests_changed)
        and _rows_in_place(profile, found)
        and drafts_leave_shares((key[3], n, held.get(key, 0)) for key, n in changed.items())
    ):
        return answer
    refresh_trainee(trainee_id, changed=changed, readiness_affected=readiness_affected)
    return answer


def _adds_in_one(changed: Counter, days: Counter) -> bool:
    """Whether record_change sends the change in one statement: on PostgreSQL, a change that takes nothing away (a new
    entry). One that does has rows to drop at zero between the tallies and the activity update (_drop_empty), as
    the three statements keep the row locks' order."""
    return (
        db.session.get_bind().dialect.name == "postgresql"
        and all(n > 0 for n in changed.values())
        and all(n > 0 for n in days.values())
    )


def _loaded(trainee_id: int, attribute: str):
    """One of the trainee's profile columns as this session already holds it (a trainee's own request loads their
    profile with them, and the signed-in user keeps it), read from no database; None when it holds none (the identity
    map is weak: a profile nothing refers to any more has left it). Without a stage start the change goes in three
    statements; without a version a move committed meanwhile is not looked for (see record_change)."""
    profile = db.session.identity_map.get(identity_key(TraineeProfile, trainee_id))
    return None if profile is None else profile.__dict__.get(attribute)


def _add_in_one_statement(trainee_id: int, changed: Counter, days: Counter, start, now, along: Along | None):
    """_add_in_one's statement for this change, its weeks counted on `start`, with `along` when given: (the tallies
    changed as they now stand, the activity update's row or None, along's answer)."""
    tallies = _tally_rows(trainee_id, changed)
    weeks = evidence_weeks.week_rows(trainee_id, start, days)
    params = {
        "trainee_id": trainee_id,
        "active_at": now,
        "tallies": json_rows.dumps(tallies, TALLY_COLUMNS),
        "weeks": json_rows.dumps(weeks, WEEK_COLUMNS),
    }
    if along is None:
        row = db.session.execute(_statement("add_in_one"), params).one()
    else:
        row = db.session.execute(_add_in_one_along(along.ctes, along.answer), along.params | params).one()
    width = len(ACTIVE_COLUMNS)
    held = {tuple(tally[:4]): tally[4] for tally in row[1 + width] or ()}
    return held, (tuple(row[1 : 1 + width]) if row[0] else None), (row[2 + width] if along is not None else None)


def _rows_in_place(profile: TraineeProfile, found) -> bool:
    """Whether the trainee holds a stage result for each stage they follow and a summary row of their curriculum
    version (as the activity update answered)."""
    curriculum = curricula.curriculum(profile.curriculum_version)
    return (
        found is not None
        and found[2] == len(curriculum.followed_stages(profile.sia_stage_key))
        and found[3] == curriculum.version
    )


def _current_contributions(trainee_id: int) -> Counter:
    total: Counter = Counter()
    credit = credit_maps([trainee_id]).get(trainee_id, {})  # once for all their entries, not once per entry
    entries = db.session.scalars(
        select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.superseded_at.is_(None))
    )
    for entry in entries:
        total.update(contribution(entry, credit))
    return _tallies_and_days(total)[0]


def lock_tallies(trainee_id: int) -> None:
    """Take the trainee's tally rows' locks (PostgreSQL; SQLite has one writer at a time), in their key's order."""
    db.session.execute(
        select(TALLIES.c.trainee_id)
        .where(TALLIES.c.trainee_id == trainee_id)
        .order_by(*TALLIES.primary_key.columns)
        .with_for_update()
    ).all()


def rebuild_trainee(trainee_id: int) -> None:
    """Rebuild one trainee's tallies from their current entries, then their stage results (after a move)."""
    db.session.execute(delete(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id))
    _add_tallies(trainee_id, _current_contributions(trainee_id))
    refresh_trainee(trainee_id)


def trainee_counts(trainee_id: int, codes: Iterable[str] | None = None) -> list[EvidenceCount]:
    query = select(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id)
    if codes is not None:
        query = query.where(EvidenceTally.competency_code.in_(list(codes)))
    return [
        EvidenceCount(t.competency_code, t.evidence_type, t.supervision_level or None, t.status, t.count)
        for t in db.session.scalars(query)
    ]


def closed_stage_keys(trainee_id: int, version: str) -> tuple[set[str], set[str]]:
    """(stages whose HALO is signed, stages the educational supervisor signed off) for one curriculum version."""
    halos = db.session.scalars(
        select(HaloRequest.stage_key).where(
            HaloRequest.trainee_id == trainee_id, HaloRequest.curriculum_version == version, HaloRequest.status == halo.SIGNED
        )
    )
    signed_off = db.session.scalars(
        select(StageSignOff.stage_key).where(StageSignOff.trainee_id == trainee_id, StageSignOff.curriculum_version == version)
    )
    return set(halos), set(signed_off)


def carried_signoffs(trainee_id: int, version: str) -> dict[str, StageSignOff]:
    """For a trainee moved onto `version`: each of its stages whose old counterpart was signed off on the curriculum
    they moved from (through the mapping's stage pairs), with that sign-off. Empty for a trainee who never moved."""
    moves = [(m.from_version, m.to_version) for m in transitions_of(trainee_id) if m.to_version == version]
    if not moves:
        return {}
    old = select(StageSignOff).where(
        StageSignOff.trainee_id == trainee_id, StageSignOff.curriculum_version.in_({old for old, _ in moves})
    )
    return carried(moves, db.session.scalars(old.order_by(StageSignOff.id)).all(), version)


def carried(moves: Iterable[tuple[str, str]], signoffs: Iterable, version: str) -> dict:
    """Each stage of `version` whose old counterpart was signed off before a move onto it, with that sign-off (the
    first met). `moves`: (from version, to version), oldest first; `signoffs`: rows with curriculum_version and
    stage_key (StageSignOff rows, or rows read with those names), oldest first."""
    found: dict = {}
    registry = curricula.registry()
    signoffs = list(signoffs)
    for from_version, to_version in moves:
        if to_version != version:
            continue
        try:
            mapping = registry.mapping(from_version, to_version)
        except KeyError:
            continue
        for row in signoffs:
            if row.curriculum_version != from_version:
                continue
            try:
                found.setdefault(mapping.stage_for(row.stage_key), row)
            except KeyError:
                continue
    return found


PROGRESS_COLUMNS = (
    "stage_level",
    "percent",
    "competencies_total",
    "competencies_complete",
    "competencies_in_progress",
    "ready_for_signoff",
    "complete",
    "carried_percent",
)


def _progress_values(curriculum, sp, *, halo_signed: bool, signed_off: bool, closed_before_move: bool, carried) -> dict:
    """One stage's row of TraineeProgress (without its keys and time) from its StageProgress and whether it is closed."""
    outcome = halo.stage_outcome(
        curriculum, sp, halo_signed=halo_signed, signed_off=signed_off, closed_before_move=closed_before_move
    )
    return {
        "stage_level": sp.stage.level,
        "percent": sp.percent,
        "competencies_total": sp.total,
        "competencies_complete": sp.complete,
        "competencies_in_progress": sp.in_progress,
        "ready_for_signoff": outcome.ready_for_signoff,
        "complete": outcome.complete,
        "carried_percent": carried,
    }


def _write_progress(trainee_id: int, values: dict[str, dict]) -> None:
    """Upsert the given stages' rows (stage key → _progress_values) in one statement."""
    if not values:
        return
    now = utcnow()
    rows = [{"trainee_id": trainee_id, "stage_key": key, **row, "updated_at": now} for key, row in values.items()]
    db.session.execute(_statement("write_progress"), rows)


def refresh_trainee(
    trainee_id: int,
    counts: list[EvidenceCount] | None = None,
    extra: tuple | None = None,
    *,
    changed: Counter | None = None,
    readiness_affected: bool = True,
) -> None:
    """Recompute the result of each stage the trainee follows (their chosen SIA at the advanced slot) from their
    tallies (a handful of rows), their region's rules (loaded here unless given) and whether each stage is closed
    (competencies.halo.stage_outcome: a signed HALO in 2021, the supervisor's sign-off in 2010); the result of a
    stage they no longer follow is dropped. Then, unless the change cannot move it, their readiness for each
    upcoming ARCP panel (summaries.readiness).

    `changed` (the tally rows an evidence write just added or took away, already applied): only the stages holding
    those competencies are worked out again, from one read, and only rows whose result changed are written
    (_refresh_changed_stages); everything else stays as the last refresh left it."""
    profile = db.session.get(TraineeProfile, trainee_id)
    if profile is None:
        return
    curriculum = curricula.curriculum(profile.curriculum_version)
    if changed is None and counts is None:  # a profile saved or moved: its stage start may be on another weekday
        evidence_weeks.realign(trainee_id, profile.stage_started_on)
    if changed is None or not _refresh_changed_stages(profile, curriculum, changed):
        _refresh_every_stage(profile, curriculum, counts, extra)
    if readiness_affected:
        readiness.refresh_trainee(trainee_id)  # their readiness for upcoming ARCP panels (one query when on none)


def _refresh_every_stage(profile: TraineeProfile, curriculum, counts: list[EvidenceCount] | None, extra: tuple | None) -> None:
    trainee_id = profile.user_id
    counts = trainee_counts(trainee_id) if counts is None else counts
    results = curriculum_progress(
        curriculum, counts, profile.sia_stage_key, curricula.trainee_rules(profile) if extra is None else extra
    )
    carried = _carried_percents(trainee_id, curriculum, counts)
    halos, signed_off = closed_stage_keys(trainee_id, curriculum.version)
    closed_before_move = carried_signoffs(trainee_id, curriculum.version)
    db.session.execute(
        delete(TraineeProgress).where(TraineeProgress.trainee_id == trainee_id, TraineeProgress.stage_key.not_in(list(results)))
    )
    _write_progress(
        trainee_id,
        {
            key: _progress_values(
                curriculum,
                sp,
                halo_signed=key in halos,
                signed_off=key in signed_off,
                closed_before_move=key in closed_before_move,
                carried=carried.get(key),
            )
            for key, sp in results.items()
        },
    )
    trainee_summary.refresh(trainee_id, curriculum.version, results)  # the cohort dashboard's and exam pipeline's row


def _inputs_query():
    """Everything an evidence write's refresh reads, in one statement (rows of kind, key, a, b, c, n): the tallies of
    the competencies `codes`, which of the stages `stage_keys` are closed (a signed HALO, a stage sign-off), whether
    the trainee ever moved between curricula, which stages hold a progress row, whether their region has rules of
    its own for `codes`, and their summary row's heatmap cells and curriculum version. (The audit chain's head came
    with record_change's activity update.)"""
    trainee_id, version, region_id = bindparam("trainee_id"), bindparam("version"), bindparam("region_id")
    codes, stage_keys = bindparam("codes", expanding=True), bindparam("stage_keys", expanding=True)

    def tag(value: str):
        return literal_column(f"'{value}'", String)

    blank, zero = tag(""), literal_column("0", Integer)
    return union_all(
        select(
            tag("tally"),
            EvidenceTally.competency_code,
            EvidenceTally.evidence_type,
            EvidenceTally.supervision_level,
            EvidenceTally.status,
            EvidenceTally.count,
        ).where(EvidenceTally.trainee_id == trainee_id, EvidenceTally.competency_code.in_(codes)),
        select(tag("halo"), HaloRequest.stage_key, blank, blank, blank, zero).where(
            HaloRequest.trainee_id == trainee_id,
            HaloRequest.curriculum_version == version,
            HaloRequest.status == halo.SIGNED,
            HaloRequest.stage_key.in_(stage_keys),
        ),
        select(tag("signed_off"), StageSignOff.stage_key, blank, blank, blank, zero).where(
            StageSignOff.trainee_id == trainee_id,
            StageSignOff.curriculum_version == version,
            StageSignOff.stage_key.in_(stage_keys),
        ),
        select(tag("moved"), blank, blank, blank, blank, func.count()).where(CurriculumTransition.trainee_id == trainee_id),
        select(tag("progress"), TraineeProgress.stage_key, blank, blank, blank, zero).where(
            TraineeProgress.trainee_id == trainee_id
        ),
        select(tag("rules"), blank, blank, blank, blank, func.count()).where(
            LocalRule.region_id == region_id,
            LocalRule.curriculum_version == version,
            LocalRule.replaced_at.is_(None),
            LocalRule.retired_at.is_(None),
            LocalRule.competency_code.in_(codes),
        ),
        select(tag("summary"), TraineeSummary.domain_percents, TraineeSummary.exam_version, blank, blank, zero).where(
            TraineeSummary.trainee_id == trainee_id
        ),
    )


def _write_inputs(profile: TraineeProfile, curriculum, stage_keys: list[str], codes: list[str]):
    """The rows of _inputs_query for this trainee, these stages and these competencies."""
    return db.session.execute(
        _statement("inputs"),
        {
            "trainee_id": profile.user_id,
            "version": curriculum.version,
            "region_id": profile.region_id,
            "codes": codes,
            "stage_keys": stage_keys,
        },
    ).all()


def _refresh_changed_stages(profile: TraineeProfile, curriculum, changed: Counter) -> bool:
    """Work out again only the stages whose tallies `changed` touched, from one read (_write_inputs), and write only
    those where some competency's share of the stage moved (competencies.stage_share; the others stand as the last
    refresh left them). False, having written nothing, where the whole refresh is needed: codes of another
    curriculum version or a trainee who moved between versions (their carried credit), or progress rows that are not
    exactly the stages they follow (never refreshed yet, or an SIA changed)."""
    if not changed:
        trainee_summary.refresh_pending(profile.user_id)  # a request may have come or gone all the same
        return True
    codes = {code for code, _kind, _level, _status in changed}
    if not all(curriculum.has_competency(code) for code in codes):
        return False
    followed = {stage.key: stage for stage in curriculum.followed_stages(profile.sia_stage_key)}
    touched_keys = {curriculum.competency(code).stage_key for code in codes}
    touched = [stage for key, stage in followed.items() if key in touched_keys]
    stage_codes = [c.code for stage in touched for c in stage.competencies]
    by_kind: dict[str, list] = {}
    for row in _write_inputs(profile, curriculum, list(followed), stage_codes):
        by_kind.setdefault(row[0], []).append(row)
    moved = sum(row[5] for row in by_kind.get("moved", ()))
    if moved or {row[1] for row in by_kind.get("progress", ())} != set(followed):
        return False
    summary = by_kind.get("summary", ())
    if not summary or summary[0][2] != curriculum.version:  # no summary row yet, or one for another version
        return False
    after: Counter = Counter({(row[1], row[2], row[3], row[4]): row[5] for row in by_kind.get("tally", ())})
    before = Counter(after)
    before.subtract(changed)
    extra = curricula.trainee_rules(profile) if any(row[5] for row in by_kind.get("rules", ())) else ()
    halos = {row[1] for row in by_kind.get("halo", ())}
    signed_off = {row[1] for row in by_kind.get("signed_off", ())}

    def counts(tallies: Counter, code: str | None = None) -> list[EvidenceCount]:
        return [
            EvidenceCount(c, kind, level or None, status, n)
            for (c, kind, level, status), n in tallies.items()
            if n > 0 and (code is None or c == code)
        ]

    def share(code: str, tallies: Counter) -> tuple:
        return stage_share(competency_progress(curriculum.competency(code), counts(tallies, code), extra))

    moved_stages, results = {}, {}
    for stage in touched:
        if all(share(c.code, before) == share(c.code, after) for c in stage.competencies if c.code in codes):
            continue  # no competency's share of the stage moved, so its row stands (competencies.stage_share)
        results[stage.key] = stage_progress(curriculum, stage.key, counts(after), extra)
        moved_stages[stage.key] = _progress_values(
            curriculum,
            results[stage.key],
            halo_signed=stage.key in halos,
            signed_off=stage.key in signed_off,
            closed_before_move=False,  # only a move carries a sign-off over, and this trainee never moved
            carried=None,
        )
    _write_progress(profile.user_id, moved_stages)
    # The cohort's row: its pending sign-offs, and the heatmap cells of the stages that moved over those stored.
    trainee_summary.refresh_stages(profile.user_id, summary[0][1], results)
    return True


_TRAJECTORY = select(TraineeProgress.complete, TraineeProgress.carried_percent).where(
    TraineeProgress.trainee_id == bindparam("trainee_id"), TraineeProgress.stage_key == bindparam("stage_key")
)  # built once, run with the trainee and stage


def trajectory_percent(trainee_id: int, stage_key: str, percent: float) -> float:
    """What the behind flag compares with the expected line, as the cohort's query does: 100 for a closed stage (a
    signed HALO, a supervisor's sign-off), else `percent` or, after a move, the old stage's percent when greater."""
    row = db.session.execute(_TRAJECTORY, {"trainee_id": trainee_id, "stage_key": stage_key}).first()
    if row is not None and row.complete:
        return 100.0
    return transition.trajectory_percent(percent, row.carried_percent if row else None)


def _carried_percents(trainee_id: int, curriculum, counts: list[EvidenceCount]) -> dict[str, float]:
    """For a trainee moved onto this curriculum: each new stage's old counterpart's percent (transition.carried_percents).
    Looked up only when the counts hold codes the curriculum does not know, which only a move leaves behind."""
    if all(curriculum.has_competency(c.competency_code) for c in counts):
        return {}
    moves = [m for m in transitions_of(trainee_id) if m.to_version == curriculum.version]
    registry = curricula.registry()
    for move in reversed(moves):
        try:
            mapping = registry.mapping(move.from_version, move.to_version)
            old = registry.get(move.from_version)
        except KeyError:
            continue
        return transition.carried_percents(mapping, old, counts)
    return {}


def recompute_all(on_trainee: Callable[[int], None] | None = None) -> int:
    """Rebuild every tally from the evidence with one aggregate query, then every stage result
    (and the supervisor response-time histogram, the other summary kept on each change)."""
    response_times.recompute()
    evidence_weeks.recompute()
    db.session.execute(delete(EvidenceTally))
    # The SQL form of lifecycle.PROGRESS_STATUS: a status counting as a draft (or none known) tallies as one.
    category = case(
        *((EvidenceEntry.status == status, counted) for status, counted in STATUS_CATEGORY.items() if counted != lifecycle.DRAFT),
        else_=lifecycle.DRAFT,
    )
    level = func.coalesce(EvidenceEntry.supervision_level, "")
    aggregate = (
        select(
            EvidenceEntry.trainee_id,
            EvidenceCompetency.competency_code,
            EvidenceEntry.evidence_type,
            level,
            category,
            func.count(),
        )
        .join(EvidenceCompetency, EvidenceCompetency.evidence_id == EvidenceEntry.id)
        .where(EvidenceEntry.superseded_at.is_(None))
        .group_by(EvidenceEntry.trainee_id, EvidenceCompetency.competency_code, EvidenceEntry.evidence_type, level, category)
    )
    db.session.execute(
        insert(EvidenceTally).from_select(
            ["trainee_id", "competency_code", "evidence_type", "supervision_level", "status", "count"], aggregate
        )
    )
    latest = (
        select(EvidenceEntry.trainee_id, func.max(EvidenceEntry.updated_at).label("at"))
        .group_by(EvidenceEntry.trainee_id)
        .subquery()
    )
    db.session.execute(
        update(TraineeProfile).values(
            last_activity_at=select(latest.c.at).where(latest.c.trainee_id == TraineeProfile.user_id).scalar_subquery()
        )
    )
    profiles = db.session.execute(
        select(TraineeProfile.user_id, TraineeProfile.region_id, TraineeProfile.curriculum_version).order_by(
            TraineeProfile.user_id
        )
    ).all()
    trainee_ids = [p.user_id for p in profiles]
    rules = curricula.region_rules((p.region_id, p.curriculum_version) for p in profiles)
    extra = {p.user_id: rules[(p.region_id, p.curriculum_version)] for p in profiles}
    moved = db.session.scalars(select(CurriculumTransition.trainee_id).distinct()).all()
    for trainee_id in moved:  # the few moved trainees' credit, entry by entry as on every write
        db.session.execute(delete(EvidenceTally).where(EvidenceTally.trainee_id == trainee_id))
        _add_tallies(trainee_id, _current_contributions(trainee_id))
    trainee_ids = db.session.scalars(select(TraineeProfile.user_id).order_by(TraineeProfile.user_id)).all()
    by_trainee: dict[int, list[EvidenceCount]] = {tid: [] for tid in trainee_ids}
    for t in db.session.scalars(select(EvidenceTally)):
        by_trainee.setdefault(t.trainee_id, []).append(
            EvidenceCount(t.competency_code, t.evidence_type, t.supervision_level or None, t.status, t.count)
        )
    with trainee_summary.rebuilding():  # each trainee's summary row, rebuilt in bulk once their stages are worked out
        for trainee_id in trainee_ids:
            refresh_trainee(trainee_id, by_trainee[trainee_id], extra[trainee_id])
            if on_trainee:
                on_trainee(trainee_id)
    return len(trainee_ids)


def refresh_region(region_id: int, curriculum_version: str) -> int:
    """Recompute the stage results of every trainee of a region on one curriculum version (after its rules changed)."""
    trainee_ids = db.session.scalars(
        select(TraineeProfile.user_id).where(
            TraineeProfile.region_id == region_id, TraineeProfile.curriculum_version == curriculum_version
        )
    ).all()
    extra = curricula.region_rules([(region_id, curriculum_version)])[(region_id, curriculum_version)]
    for trainee_id in trainee_ids:
        refresh_trainee(trainee_id, extra=extra)
    return len(trainee_ids)
