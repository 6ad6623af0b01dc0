"""The cohort table: filters, flags, sorting and paging, computed with a fixed number of aggregate queries.

Progress comes from the TraineeProgress summary, sign-offs and exams from the TraineeSummary row each trainee has
(summaries.trainee_summary); what depends on today (a request overdue, progress behind the expected line, idle) is
compared with today in the queries. No evidence row, request, attempt or tally is grouped here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement

from competencies import STAGE_LEVELS, CurriculumRegistry, expected_percent, flags, stage_ends_on, trajectory_weeks
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.models import Cohort, Region, SignOffRequest, TraineeProfile, TraineeProgress, TraineeSummary, User
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.platform.pagination import Page, page_number, page_of
from trainee_portal.summaries.trainee_summary import PENDING

PAGE_SIZE = 50
FLAGS = flags.FLAG_TITLES  # each flag's rule and threshold is in competencies.flags, with its source
SORTS = ("name", "stage", "percent", "activity", "pending", "waiting", "attempts")
# What each sort (but the default, by name) is called in the dashboard's "Sort by" choice.
SORT_LABELS = {
    "stage": "Stage",
    "percent": "Required evidence items in place",
    "activity": "Last activity",
    "pending": "Pending sign-offs",
    "waiting": "Overdue sign-offs",
    "attempts": "Exam attempts",
}
EXAM_STATUSES = ("Not attempted", "MCQ not yet passed", "MCQ passed", "SOE passed")


@dataclass
class Filters:
    region_id: int | None = None
    cohort_id: int | None = None
    stage: str | None = None
    curriculum: str | None = None
    flag: str | None = None
    sort: str = "name"
    descending: bool = False
    page: int = 1
    heatmap: str | None = None  # the curriculum version whose heatmap to show (?heatmap=), when not filtered to one

    @classmethod
    def from_args(cls, args) -> Filters:
        """Unknown or malformed values are ignored rather than refused: these are bookmarkable links."""

        def number(name):
            raw = (args.get(name) or "").strip()
            return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None

        stage = args.get("stage") if args.get("stage") in STAGE_LEVELS else None
        version = args.get("curriculum") if args.get("curriculum") in curricula.registry() else None
        return cls(
            region_id=number("region"),
            cohort_id=number("cohort"),
            stage=stage,
            curriculum=version,
            flag=args.get("flag") if args.get("flag") in FLAGS else None,
            sort=args.get("sort") if args.get("sort") in SORTS else "name",
            descending=args.get("dir") == "desc",
            page=page_number("page", args),
            heatmap=args.get("heatmap") if args.get("heatmap") in curricula.registry() else None,
        )

    def args(self, **changes) -> dict:
        """Query-string arguments for links that keep the current filters."""
        values = {
            "region": self.region_id,
            "cohort": self.cohort_id,
            "stage": self.stage,
            "curriculum": self.curriculum,
            "flag": self.flag,
            "sort": self.sort,
            "dir": "desc" if self.descending else None,
            "page": self.page if self.page > 1 else None,
            "heatmap": self.heatmap,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass
class CohortRow:
    trainee_id: int
    name: str
    gmc_number: str
    region: str
    cohort: str | None
    curriculum_version: str
    stage_level: str
    stage_name: str
    stage_started_on: date
    percent: float
    trajectory_percent: float  # what the behind flag reads: percent, after a move the old stage's if greater, 100 when closed
    expected: float | None
    last_activity_at: datetime | None
    pending: int
    overdue: int
    oldest_pending_at: datetime | None
    mcq_attempts: int
    soe_attempts: int
    mcq_passed: bool
    soe_passed: bool
    stage_complete: bool = False  # the current stage is closed (a signed HALO in 2021, the supervisor's sign-off in 2010)
    stage_ends_on: date | None = None  # the stage's end in training time, when the trainee has training periods
    flags: list[str] = field(default_factory=list)
    sia_stage_key: str | None = None  # the SIA the trainee follows at the advanced slot, when chosen
    competencies_complete: int = 0  # the current stage's competencies complete, from the progress summary
    competencies_total: int = 0
    domain_percents: str | None = None  # the heatmap's cells per stage followed (TraineeSummary.domain_percents)
    region_id: int | None = None

    @property
    def exam_status(self) -> str:
        return exam_status(self.mcq_attempts + self.soe_attempts, self.mcq_passed, self.soe_passed)

    @property
    def exam_parts(self) -> tuple[str, str]:
        """Each exam part as people say it: ("MCQ passed", "SOE: 2 attempts"), ("MCQ: 1 attempt", "SOE: not yet sat")."""
        return (
            exam_part_wording("MCQ", self.mcq_attempts, self.mcq_passed),
            exam_part_wording("SOE", self.soe_attempts, self.soe_passed),
        )

    @property
    def exams(self) -> str:
        """Both parts in one line: "MCQ passed · SOE: 2 attempts"."""
        return " · ".join(self.exam_parts)


def exam_status(attempts: int, mcq_passed: bool, soe_passed: bool) -> str:
    if soe_passed:
        return EXAM_STATUSES[3]
    if mcq_passed:
        return EXAM_STATUSES[2]
    return EXAM_STATUSES[1] if attempts else EXAM_STATUSES[0]


def exam_part_wording(part: str, attempts: int, passed: bool) -> str:
    """One exam part in words, the plural right: "MCQ passed", "SOE passed (2 attempts)", "MCQ: 1 attempt",
    "SOE: not yet sat"."""
    plural = "attempt" if attempts == 1 else "attempts"
    if passed:
        return f"{part} passed" + (f" ({attempts} {plural})" if attempts > 1 else "")
    if not attempts:
        return f"{part}: not yet sat"
    return f"{part}: {attempts} {plural}"


# --- the filtered set ---------------------------------------------------------------------------


def _days_between(start, end) -> ColumnElement:
    if db.session.get_bind().dialect.name == "postgresql":
        return end - start
    return func.julianday(end) - func.julianday(start)


def _days_in_stage(today: date) -> ColumnElement:
    if db.session.get_bind().dialect.name == "postgresql":
        return literal(today) - TraineeProfile.stage_started_on
    return _days_between(TraineeProfile.stage_started_on, today.isoformat())


def stage_weeks(registry: CurriculumRegistry | None = None) -> dict[tuple[str, str, str], int]:
    """(curriculum version, stage level, stage key) → the stage length the expected trajectory runs over."""
    registry = registry or curricula.registry()
    weeks = {}
    for version in registry.versions():
        for stage in registry.get(version).stages:
            length = trajectory_weeks(stage)
            if length:
                weeks[(version, stage.level, stage.key)] = length
    return weeks


def _follows(registry: CurriculumRegistry, version: str, level: str, key: str) -> ColumnElement:
    """SQL: the trainee follows this stage at its slot; where several share it (the SIAs), the one they chose, or the
    slot's first while they have chosen none (as Curriculum.stage_for_level)."""
    shared = [s.key for s in registry.get(version).stages_at(level)]
    if len(shared) == 1:
        return literal(True)
    if key != shared[0]:
        return TraineeProfile.sia_stage_key == key
    return or_(TraineeProfile.sia_stage_key.is_(None), TraineeProfile.sia_stage_key.not_in(shared[1:]))


def _trajectory() -> ColumnElement:
    """SQL: the percent the behind flag reads. After a move between curricula the old stage's percent, when greater,
    keeps the move itself from flagging anyone; a closed stage (a signed HALO, a supervisor's sign-off) is done,
    whatever its evidence counts say: 100."""
    percent = func.coalesce(TraineeProgress.percent, 0.0)
    return case(
        (TraineeProgress.complete.is_(True), 100.0),
        (TraineeProgress.carried_percent > percent, TraineeProgress.carried_percent),
        else_=percent,
    )


# The behind condition last built, with what it was built for: (engine, day, registry) and the condition. It holds a
# case per curriculum stage, so it is built once a day and on each registry reload (curricula.CACHE_SECONDS), not
# twice a request (the counts and the rows). The registry itself is kept, so its id cannot be reused by another.
_behind_built: tuple | None = None


def _behind_condition(today: date) -> ColumnElement:
    """competencies.flags.behind built as SQL for each curriculum version and stage, so filtering spans every page.
    The stage runs to its end in training time (the profile's stage_ends_on, kept by training_time) when the trainee
    has training periods, else for its curriculum length."""
    global _behind_built
    # One registry for the whole condition: it is reloaded now and then (curricula.CACHE_SECONDS), and a reload
    # between two reads must not take away a version the first read listed (a retired upload's).
    registry = curricula.registry()
    built_for = (db.session.get_bind().dialect.name, today, id(registry))
    built = _behind_built
    if built is not None and built[0] == built_for and built[1] is registry:
        return built[2]
    percent = _trajectory()
    days = _days_in_stage(today)
    adjusted = TraineeProfile.stage_ends_on.is_not(None)
    cases = [
        and_(
            TraineeProfile.curriculum_version == version,
            TraineeProfile.current_stage == level,
            _follows(registry, version, level, key),
            flags.behind(
                percent,
                days,
                case((adjusted, _days_between(TraineeProfile.stage_started_on, TraineeProfile.stage_ends_on)), else_=weeks * 7),
                both=and_,
            ),
        )
        for (version, level, key), weeks in stage_weeks(registry).items()
    ]
    condition = or_(*cases) if cases else literal(False)
    _behind_built = (built_for, registry, condition)
    return condition


def _flag_conditions(today: date, now: datetime) -> dict[str, ColumnElement]:
    """Each flag as a SQL condition over cohort_select's joins, from competencies.flags (as flags_for is for one row)."""
    cutoff = flags.idle_cutoff(now)
    return {
        "behind": _behind_condition(today),
        "idle": or_(
            TraineeProfile.last_activity_at < cutoff,
            and_(
                TraineeProfile.last_activity_at.is_(None),
                TraineeProfile.stage_started_on < today - timedelta(days=flags.IDLE_DAYS.value),
            ),
        ),
        "waiting": TraineeSummary.oldest_pending_at < flags.signoff_overdue_cutoff(now),
        "attempts": or_(flags.many_attempts(TraineeSummary.mcq_attempts), flags.many_attempts(TraineeSummary.soe_attempts)),
    }


def _scoped(query, user, filters: Filters):
    """The visibility and column filters every view of the cohort shares (everything but the flag)."""
    visible = policy.visible_trainee_ids(user)
    if visible is not None:
        query = query.where(TraineeProfile.user_id.in_(visible))
    if filters.region_id:
        query = query.where(TraineeProfile.region_id == filters.region_id)
    if filters.cohort_id:
        query = query.where(TraineeProfile.cohort_id == filters.cohort_id)
    if filters.stage:
        query = query.where(TraineeProfile.current_stage == filters.stage)
    if filters.curriculum:
        query = query.where(TraineeProfile.curriculum_version == filters.curriculum)
    return query


def cohort_select(user, filters: Filters, today: date | None = None, *, flag_columns: bool = False):
    """Every trainee the user may see that matches the filters, with the summary columns, unsorted.

    With flag_columns the flag filter is not applied; instead each flag (and the current filter, as
    `matches`) becomes a 0/1 column, so one aggregate over it gives the total and every flag count.
    """
    today = today or uk_today()
    now = utcnow()
    percent = func.coalesce(TraineeProgress.percent, 0.0)
    columns = dict(
        trainee_id=TraineeProfile.user_id,
        name=User.name,
        gmc_number=TraineeProfile.gmc_number,
        region=Region.name,
        region_id=TraineeProfile.region_id,
        cohort=Cohort.name,
        curriculum_version=TraineeProfile.curriculum_version,
        stage_level=TraineeProfile.current_stage,
        sia_stage_key=TraineeProfile.sia_stage_key,
        stage_started_on=TraineeProfile.stage_started_on,
        stage_ends_on=TraineeProfile.stage_ends_on,
        percent=percent,
        trajectory_percent=_trajectory(),
        last_activity_at=TraineeProfile.last_activity_at,
        pending=func.coalesce(TraineeSummary.pending, 0),
        oldest_pending_at=TraineeSummary.oldest_pending_at,
        mcq_attempts=func.coalesce(TraineeSummary.mcq_attempts, 0),
        soe_attempts=func.coalesce(TraineeSummary.soe_attempts, 0),
        mcq_passed=case((TraineeSummary.mcq_passed_on.is_not(None), 1), else_=0),
        soe_passed=case((TraineeSummary.soe_passed_on.is_not(None), 1), else_=0),
        stage_complete=func.coalesce(TraineeProgress.complete, False),
        competencies_complete=func.coalesce(TraineeProgress.competencies_complete, 0),
        competencies_total=func.coalesce(TraineeProgress.competencies_total, 0),
    )
    conditions = _flag_conditions(today, now)
    if flag_columns:
        current = conditions[filters.flag] if filters.flag else literal(True)
        columns["matches"] = case((current, 1), else_=0)
        columns.update({f"flag_{name}": case((condition, 1), else_=0) for name, condition in conditions.items()})
    query = (
        select(*(c.label(name) for name, c in columns.items()))
        .select_from(TraineeProfile)
        .join(User, User.id == TraineeProfile.user_id)
        .join(Region, Region.id == TraineeProfile.region_id)
        .outerjoin(Cohort, Cohort.id == TraineeProfile.cohort_id)
        .outerjoin(
            TraineeProgress,
            and_(
                TraineeProgress.trainee_id == TraineeProfile.user_id, TraineeProgress.stage_level == TraineeProfile.current_stage
            ),
        )
        .outerjoin(TraineeSummary, TraineeSummary.trainee_id == TraineeProfile.user_id)
    )
    query = _scoped(query, user, filters)
    if filters.flag and not flag_columns:
        query = query.where(conditions[filters.flag])
    return query


def cohort_ids(user, filters: Filters, today: date | None = None):
    """The filtered trainees' ids as a subquery; without a flag filter it needs none of the summary joins."""
    if filters.flag:
        query = cohort_select(user, filters, today)
        return query.with_only_columns(query.selected_columns.trainee_id)
    return _scoped(select(TraineeProfile.user_id), user, filters)


def _overdue(trainee_id, oldest_pending_at, now: datetime) -> ColumnElement:
    """SQL: how many of the trainee's waiting requests are past flags.SIGNOFF_WAIT_DAYS. Counted from their own
    requests (the index on status, requester and time), and only for a trainee whose oldest is overdue: a page looks
    up the rows it shows, never the nation's requests."""
    cutoff = flags.signoff_overdue_cutoff(now)
    counted = (
        select(func.count())
        .where(SignOffRequest.status == PENDING, SignOffRequest.requested_by_id == trainee_id, SignOffRequest.created_at < cutoff)
        .scalar_subquery()
    )
    return case((oldest_pending_at < cutoff, counted), else_=0)


def _sort_keys(c, filters: Filters, now: datetime, overdue: ColumnElement | None = None) -> list:
    """The ORDER BY of the table over the columns `c` (the overdue count worked out only when sorting by it)."""
    stage_order = case({level: i for i, level in enumerate(STAGE_LEVELS)}, value=c.stage_level, else_=9)
    keys = {
        "name": lambda: [c.name],
        "stage": lambda: [stage_order, c.percent],
        "percent": lambda: [c.percent],
        "activity": lambda: [func.coalesce(c.last_activity_at, datetime(1900, 1, 1))],
        "pending": lambda: [c.pending],
        "waiting": lambda: [_overdue(c.trainee_id, c.oldest_pending_at, now) if overdue is None else overdue, c.pending],
        "attempts": lambda: [c.mcq_attempts + c.soe_attempts],
    }[filters.sort]()
    keys = [k.desc() if filters.descending else k.asc() for k in keys]
    return [*keys, c.name, c.trainee_id]  # stable pages: ties broken by name then id


# The columns the table's sort orders read (with the id and name that break ties).
SORT_COLUMNS = frozenset(
    "trainee_id name stage_level percent last_activity_at pending oldest_pending_at mcq_attempts soe_attempts".split()
)


def _shown(user, filters: Filters, today: date, now: datetime, *, after=None, by_name=False, limit: int | None = None, offset=0):
    """The rows shown, in table order (by_name: the API's, by name then id, from `after`), cut to `limit`: sorted on
    the few columns the order reads first, then worked out in full, with each row's overdue count and heatmap cells,
    for those rows alone."""
    order = replace(filters, sort="name", descending=False) if by_name else filters
    rows = cohort_select(user, filters, today)
    if after is not None:
        rows = rows.where(after)
    if limit is not None:
        keys = rows.with_only_columns(*(c for c in rows.selected_columns if c.key in SORT_COLUMNS))
        page = keys.order_by(*_sort_keys(keys.selected_columns, order, now)).limit(limit).offset(offset).subquery("page")
        rows = rows.join(page, page.c.trainee_id == TraineeProfile.user_id)
    overdue = _overdue(TraineeProfile.user_id, TraineeSummary.oldest_pending_at, now).label("overdue")
    rows = rows.add_columns(overdue, TraineeSummary.domain_percents)
    return rows.order_by(*_sort_keys(rows.selected_columns, order, now, overdue=overdue))


def flags_for(row, today: date, now: datetime) -> tuple[float | None, list[str]]:
    """The expected percent for the row's stage dates and the flags that apply to it."""
    expected = None
    found = []
    try:
        stage = curricula.curriculum(row.curriculum_version).stage_for_level(row.stage_level, row.sia_stage_key)
        end = getattr(row, "stage_ends_on", None) or stage_ends_on(stage, row.stage_started_on)  # in training time
        expected = expected_percent(stage, row.stage_started_on, today, end)
    except (KeyError, ValueError):  # unknown version or a stage without a length: no trajectory to compare
        stage = None
    if expected is not None and flags.behind(
        row.trajectory_percent, (today - row.stage_started_on).days, (end - row.stage_started_on).days
    ):
        found.append("behind")
    if flags.is_idle(row.last_activity_at, row.stage_started_on, now):
        found.append("idle")
    if row.oldest_pending_at is not None and row.oldest_pending_at < flags.signoff_overdue_cutoff(now):
        found.append("waiting")
    if flags.many_attempts(max(row.mcq_attempts, row.soe_attempts)):
        found.append("attempts")
    return expected, found


# The CohortRow fields read straight from the cohort query's columns of the same name, with the type they are read as.
STORED_FIELDS = tuple(f.name for f in fields(CohortRow) if f.name not in ("stage_name", "expected", "flags"))
STORED_TYPES = {
    name: int for name in ("pending", "overdue", "mcq_attempts", "soe_attempts", "competencies_complete", "competencies_total")
} | {"percent": float, "trajectory_percent": float, "mcq_passed": bool, "soe_passed": bool, "stage_complete": bool}


def _as_is(value):
    return value


def _row(raw, today: date, now: datetime) -> CohortRow:
    try:
        stage_name = curricula.curriculum(raw.curriculum_version).stage_for_level(raw.stage_level, raw.sia_stage_key).name
    except KeyError:
        stage_name = raw.stage_level.capitalize()
    expected, row_flags = flags_for(raw, today, now)
    columns = raw._mapping  # one view of the row: each `_mapping` makes a new one
    stored = {name: STORED_TYPES.get(name, _as_is)(columns[name]) for name in STORED_FIELDS}
    return CohortRow(**stored, stage_name=stage_name, expected=expected, flags=row_flags)


def cohort_counts(user, filters: Filters, today: date | None = None) -> tuple[int, dict[str, int]]:
    """How many trainees match the filters, and how many under the other filters carry each flag: one query."""
    base = cohort_select(user, filters, today, flag_columns=True).subquery()
    row = db.session.execute(select(func.sum(base.c.matches), *(func.sum(base.c[f"flag_{name}"]) for name in FLAGS))).one()
    return int(row[0] or 0), {name: int(value or 0) for name, value in zip(FLAGS, row[1:])}


def cohort_page(user, filters: Filters, today: date | None = None, counts: tuple[int, dict[str, int]] | None = None) -> Page:
    """One page of the table (items: CohortRow): the counts query (unless given) and a rows query, whatever the
    cohort's size. filters.page is clamped to the last page, so the sort links keep the page shown."""
    today, now = today or uk_today(), utcnow()
    total = (counts or cohort_counts(user, filters, today))[0]

    def fetch(offset: int, limit: int) -> list[CohortRow]:
        query = _shown(user, filters, today, now, limit=limit, offset=offset)
        return [_row(raw, today, now) for raw in db.session.execute(query)]

    page = page_of(total, PAGE_SIZE, fetch, number=filters.page)
    filters.page = page.page
    return page


def flag_counts(user, filters: Filters, today: date | None = None) -> dict[str, int]:
    """How many trainees under the current filters carry each flag (the current flag filter aside)."""
    return cohort_counts(user, filters, today)[1]


def all_rows(user, filters: Filters, today: date | None = None):
    """Every filtered row in table order, streamed for exports."""
    today, now = today or uk_today(), utcnow()
    query = _shown(user, filters, today, now).execution_options(yield_per=1000)
    for raw in db.session.execute(query):
        yield _row(raw, today, now)


# --- filter choices -----------------------------------------------------------------------------


def filter_choices(user) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Regions and cohorts this user may filter by: a director's scopes, everything for an admin."""
    regions = select(Region.id, Region.name)
    cohorts = select(Cohort.id, Cohort.name, Region.name.label("region")).join(Region, Region.id == Cohort.region_id)
    visible_regions, visible_cohorts = policy.visible_region_ids(user), policy.visible_cohort_ids(user)
    if visible_regions is not None:
        regions = regions.where(Region.id.in_(visible_regions))
    if visible_cohorts is not None:
        cohorts = cohorts.where(Cohort.id.in_(visible_cohorts))
    region_rows = db.session.execute(regions.order_by(Region.name)).all()
    cohort_rows = db.session.execute(cohorts.order_by(Region.name, Cohort.name)).all()
    return [(r.id, r.name) for r in region_rows], [(c.id, f"{c.name} ({c.region})") for c in cohort_rows]


def rows_after(user, filters: Filters, after, limit: int, today: date | None = None) -> list[CohortRow]:
    """Up to `limit` rows of the filtered cohort in name order (ties by id) that meet `after` (a condition on the
    trainee's name and id, or None from the start): the API's cursor pages, one query whatever the cohort's size."""
    today, now = today or uk_today(), utcnow()
    query = _shown(user, filters, today, now, after=after, by_name=True, limit=limit)
    return [_row(raw, today, now) for raw in db.session.execute(query)]
