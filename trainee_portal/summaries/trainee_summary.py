"""The per-trainee summary (TraineeSummary) the cohort dashboard and the exam pipeline read instead of the requests,
attempts and tallies behind them: kept in the transaction of every write that changes it, rebuilt by
`flask recompute-progress`.

Who keeps which part:
- progress.refresh_trainee (every evidence write, sign-off request, decision and withdrawal, stage, SIA, region rules
  and curriculum changes) calls refresh: the pending sign-offs and the heatmap's domain percents, in one statement,
  and the exam fields again when the trainee's curriculum version is not the one they were worked out for;
- the exam services (attempts and corrections, the RAPM's confirmation, GMC and FPM prerequisites) and the training
  periods (their months count towards the SOE) call refresh_exams.

Only inputs are stored; the rules stay in competencies (competencies.exam.sitting_windows, competencies.flags), and
what depends on today (a request overdue, a pass expiring, a sitting closed) is compared with today by the pages.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import fields

from sqlalchemy import bindparam, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from competencies import flags
from competencies.exam import (
    PARTS,
    ExamHistory,
    PartRecord,
    Prerequisites,
    RapmStatus,
    SittingWindow,
    mcq_expires_on,
    sitting_windows,
)
from competencies.progress import StageProgress
from competencies.training_time import Period
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import (
    ExamAttempt,
    ExamPrerequisite,
    ExamSitting,
    RapmConfirmation,
    SignOffRequest,
    TraineeProfile,
    TraineeSummary,
    TrainingPeriod,
)

PENDING = "pending"  # a sign-off request still waiting for its decision
WINDOW_FIELDS = tuple(f.name for f in fields(SittingWindow) if f.name != "attempt_number")
_collecting: ContextVar[dict[int, str] | None] = ContextVar("trainee_summary_collecting", default=None)


def window_column(part: str, name: str) -> str:
    """The TraineeSummary column holding one field of a part's SittingWindow (mcq_open, soe_sits_from, …)."""
    return f"{part.lower()}_{'extra_training' if name == 'needs_extra_training' else name}"


# --- what the core reads, from the rows -------------------------------------------------------------


def rapm_status(row: RapmConfirmation | None, periods: tuple[Period, ...] = ()) -> RapmStatus | None:
    """The confirmation as the core reads it, with the trainee's training periods (its months are training time)."""
    if row is None:
        return None
    return RapmStatus(row.confirmed_on, row.stage3_pain_complete, row.advanced_training_started_on, tuple(periods))


def prerequisites_status(row: ExamPrerequisite | None) -> Prerequisites:
    """The core's view of the latest record; nothing recorded is Prerequisites() (nothing met)."""
    if row is None:
        return Prerequisites()
    return Prerequisites(
        row.gmc_registered_on, row.fpm_status, row.fpm_applied_on, row.fpm_member_since, row.good_standing, row.confirmed_on
    )


def domain_percents(results: Mapping[str, StageProgress]) -> str:
    """Per stage, the share of each domain's competencies complete (the heatmap's cells), as stored."""
    cells = {
        key: [round(100 * d.complete / len(d.competencies), 1) if d.competencies else 100.0 for d in result.domains]
        for key, result in results.items()
    }
    return json.dumps(cells, sort_keys=True, separators=(",", ":"))


def exam_fields(version: str, history: ExamHistory, rapm: RapmStatus | None, prerequisites: Prerequisites) -> dict:
    """The exam columns of one trainee's row under their curriculum version's rules."""
    values = {
        "mcq_attempts": history.mcq.attempts,
        "soe_attempts": history.soe.attempts,
        "mcq_passed_on": history.mcq.passed_on,
        "soe_passed_on": history.soe.passed_on,
        "rapm_confirmed_on": rapm.confirmed_on if rapm else None,
        "exam_version": version,
    }
    try:
        rules = curricula.curriculum(version).exam
    except KeyError:  # a version no longer known: nothing is worked out, nothing is open
        rules = None
    passed = history.mcq.passed_on
    values["mcq_expires_on"] = mcq_expires_on(rules, passed) if rules is not None and passed else None
    for part in PARTS:
        used = history.part(part).attempts
        values[f"{part.lower()}_late"] = rules is not None and flags.late_attempt(rules, used)
        values[f"{part.lower()}_none_left"] = rules is not None and flags.no_attempts_left(rules, used)
    windows = sitting_windows(rules, history, rapm, prerequisites) if rules else dict.fromkeys(PARTS, SittingWindow())
    for part, window in windows.items():
        values |= {window_column(part, name): getattr(window, name) for name in WINDOW_FIELDS}
    return values


# --- reading the inputs, for one trainee or all --------------------------------------------------------------


def _only(query, column, trainee_ids: list[int] | None):
    return query if trainee_ids is None else query.where(column.in_(trainee_ids))


def _pending(trainee_ids: list[int] | None = None) -> dict[int, tuple[int, object]]:
    query = (
        select(SignOffRequest.requested_by_id, func.count(), func.min(SignOffRequest.created_at))
        .where(SignOffRequest.status == PENDING)
        .group_by(SignOffRequest.requested_by_id)
    )
    return {tid: (n, oldest) for tid, n, oldest in db.session.execute(_only(query, SignOffRequest.requested_by_id, trainee_ids))}


def _latest(model, trainee_ids: list[int] | None) -> dict[int, object]:
    latest = _only(select(func.max(model.id)).group_by(model.trainee_id), model.trainee_id, trainee_ids)
    return {row.trainee_id: row for row in db.session.scalars(select(model).where(model.id.in_(latest)))}


def _exam_inputs(trainee_ids: list[int] | None = None) -> dict[int, tuple]:
    """trainee → (history, RAPM status, prerequisites) for those who recorded anything (one query a kind)."""
    parts = db.session.execute(
        _only(
            select(
                ExamAttempt.trainee_id,
                ExamSitting.part,
                func.count(),
                func.max(case((ExamAttempt.result == "pass", ExamSitting.sits_on))),
            )
            .join(ExamSitting, ExamSitting.id == ExamAttempt.sitting_id)
            .group_by(ExamAttempt.trainee_id, ExamSitting.part),
            ExamAttempt.trainee_id,
            trainee_ids,
        )
    ).all()
    records: dict[int, dict[str, PartRecord]] = {}
    for trainee_id, part, n, passed_on in parts:
        records.setdefault(trainee_id, {})[part] = PartRecord(n, passed_on)
    confirmations = _latest(RapmConfirmation, trainee_ids)
    statements = _latest(ExamPrerequisite, trainee_ids)
    periods: dict[int, list[Period]] = {}
    if confirmations:  # only a confirmed start of advanced training has training time to count
        rows = db.session.scalars(
            select(TrainingPeriod)
            .where(TrainingPeriod.trainee_id.in_(list(confirmations)))
            .order_by(TrainingPeriod.starts_on, TrainingPeriod.id)
        )
        for row in rows:
            periods.setdefault(row.trainee_id, []).append(Period(row.kind, row.starts_on, row.ends_on, row.wte_percent))
    found = {}
    for trainee_id in set(records) | set(confirmations) | set(statements):
        parts_of = records.get(trainee_id, {})
        history = ExamHistory(parts_of.get("MCQ", PartRecord()), parts_of.get("SOE", PartRecord()))
        rapm = rapm_status(confirmations.get(trainee_id), tuple(periods.get(trainee_id, ())))
        found[trainee_id] = (history, rapm, prerequisites_status(statements.get(trainee_id)))
    return found


NOTHING_RECORDED = (ExamHistory(), None, Prerequisites())


def _rows(profiles: Iterable[tuple[int, str]], trainee_ids: list[int] | None = None) -> list[dict]:
    pending = _pending(trainee_ids)
    exams = _exam_inputs(trainee_ids)
    rows = []
    for trainee_id, version in profiles:
        count, oldest = pending.get(trainee_id, (0, None))
        rows.append(
            {
                "trainee_id": trainee_id,
                "pending": count,
                "oldest_pending_at": oldest,
                **exam_fields(version, *exams.get(trainee_id, NOTHING_RECORDED)),
            }
        )
    return rows


# --- keeping it --------------------------------------------------------------------------------------------


COUNTED = ("pending", "oldest_pending_at")  # worked out by the statement itself from the trainee's requests


@functools.cache
def _upsert_statement(dialect: str, given: tuple[str, ...], counted: bool, returning: bool = False):
    """INSERT … ON CONFLICT DO UPDATE of one trainee's row, built once per dialect and shape (building one costs more
    than sending it) and sent with the trainee's id and the `given` columns' values as parameters. `counted`: the
    pending sign-offs and the oldest one's time come from subqueries on the requests, in the same statement.
    `returning`: it answers with the row's exam_version."""
    table = TraineeSummary.__table__
    trainee = bindparam("trainee_id", type_=table.c.trainee_id.type)
    values = {"trainee_id": trainee}
    if counted:
        waiting = (SignOffRequest.status == PENDING, SignOffRequest.requested_by_id == trainee)
        values["pending"] = select(func.count()).where(*waiting).scalar_subquery()
        values["oldest_pending_at"] = select(func.min(SignOffRequest.created_at)).where(*waiting).scalar_subquery()
    values |= {c: bindparam(c, type_=table.c[c].type) for c in given}
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table).values(values)
    columns = [*(COUNTED if counted else ()), *given]
    statement = statement.on_conflict_do_update(
        index_elements=["trainee_id"], set_={c: getattr(statement.excluded, c) for c in columns}
    )
    return statement.returning(table.c.exam_version) if returning else statement


def _upsert(trainee_id: int, given: Mapping[str, object], *, counted: bool = True, returning: bool = False):
    """Write one trainee's row (see _upsert_statement); the result of the statement."""
    dialect = db.session.get_bind().dialect.name
    statement = _upsert_statement(dialect, tuple(given), counted, returning)
    return db.session.execute(statement, {"trainee_id": trainee_id, **given})


def refresh(trainee_id: int, version: str, results: Mapping[str, StageProgress]) -> None:
    """From progress.refresh_trainee, with the stage results it just worked out: the pending sign-offs and the domain
    percents in one statement; the exam fields too when they follow another curriculum version (or none yet)."""
    percents = domain_percents(results)
    collected = _collecting.get()
    if collected is not None:  # recompute_all's loop: the rows are rebuilt together afterwards (rebuilding)
        collected[trainee_id] = percents
        return
    if _upsert(trainee_id, {"domain_percents": percents}, returning=True).scalar_one() != version:
        refresh_exams(trainee_id)


def refresh_stages(trainee_id: int, stored: str | None, results: Mapping[str, StageProgress]) -> None:
    """From an evidence write's refresh of the stages it moved (progress._refresh_changed_stages), which found the
    row and its curriculum version current: the pending sign-offs, and the heatmap cells of those stages written
    over the ones `stored` (the row's domain_percents as that refresh read them), in one statement."""
    given = {}
    if results:
        cells = json.loads(stored or "{}") | json.loads(domain_percents(results))
        given["domain_percents"] = json.dumps(cells, sort_keys=True, separators=(",", ":"))
    _upsert(trainee_id, given)


def refresh_pending(trainee_id: int) -> None:
    """The pending sign-offs alone, for a request stored without progress.refresh_trainee after it."""
    _upsert(trainee_id, {})


def refresh_exams(trainee_id: int) -> None:
    """Everything but the domain percents, from the trainee's requests, attempts, confirmations, statements and
    training periods (a handful of queries): after any change to those, or to their curriculum version."""
    version = db.session.scalar(select(TraineeProfile.curriculum_version).where(TraineeProfile.user_id == trainee_id))
    if version is None:
        return
    (row,) = _rows([(trainee_id, version)], [trainee_id])
    _upsert(trainee_id, {c: v for c, v in row.items() if c != "trainee_id"}, counted=False)


@contextmanager
def rebuilding():
    """Around recompute_all's refresh of every trainee: refresh collects each one's domain percents, then every row
    is rebuilt from scratch with one query per kind of input and one bulk insert."""
    collected: dict[int, str] = {}
    token = _collecting.set(collected)
    try:
        yield
    finally:
        _collecting.reset(token)
    recompute(collected)


def recompute(percents: Mapping[int, str] | None = None, batch: int = 1000) -> int:
    """Rebuild every row (the domain percents from `percents`, as refresh collected them); returns the rows."""
    db.session.execute(delete(TraineeSummary))
    profiles = db.session.execute(
        select(TraineeProfile.user_id, TraineeProfile.curriculum_version).order_by(TraineeProfile.user_id)
    ).all()
    rows = _rows(profiles)
    for row in rows:
        row["domain_percents"] = (percents or {}).get(row["trainee_id"])
    for start in range(0, len(rows), batch):
        db.session.execute(insert(TraineeSummary.__table__), rows[start : start + batch])
    return len(rows)
