"""What the training-time pages and the rules that count training time read: a trainee's periods, as rows and as
the core's plain periods, and what each period gives in training time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from competencies import training_time
from competencies.training_time import Period
from trainee_portal.extensions import db
from trainee_portal.models import TrainingPeriod

_PERIODS = (  # built once, run with the trainee's id (the dashboard reads it on every request)
    select(TrainingPeriod)
    .options(joinedload(TrainingPeriod.recorded_by))
    .where(TrainingPeriod.trainee_id == bindparam("trainee_id"))
    .order_by(TrainingPeriod.starts_on, TrainingPeriod.id)
)


def periods_of(trainee_id: int, session=None) -> list[TrainingPeriod]:
    return list((session or db.session).scalars(_PERIODS, {"trainee_id": trainee_id}))


def core_period(row: TrainingPeriod) -> Period:
    return Period(row.kind, row.starts_on, row.ends_on, row.wte_percent)


def core_periods(trainee_id: int, session=None) -> tuple[Period, ...]:
    """The trainee's periods as the core counts them (none: training time is calendar time)."""
    return tuple(core_period(r) for r in periods_of(trainee_id, session))


def periods_by_trainee(trainee_ids: Iterable[int]) -> dict[int, tuple[Period, ...]]:
    """Every listed trainee's periods from one query (trainees without any are absent)."""
    rows = db.session.scalars(
        select(TrainingPeriod).where(TrainingPeriod.trainee_id.in_(list(trainee_ids))).order_by(TrainingPeriod.starts_on)
    )
    found: dict[int, list[Period]] = {}
    for row in rows:
        found.setdefault(row.trainee_id, []).append(core_period(row))
    return {trainee_id: tuple(periods) for trainee_id, periods in found.items()}


@dataclass(frozen=True)
class PeriodView:
    row: TrainingPeriod
    until: date  # the last day counted: its end, or today for an open-ended period
    calendar_days: int
    exact_training_days: Fraction  # whole-time-equivalent days those days count for, with every other period

    @property
    def training_days(self) -> float:
        return round(float(self.exact_training_days), 1)

    @property
    def days_less(self) -> float:
        """Calendar days less training days, rounded once from the exact difference (no float residue)."""
        return round(float(self.calendar_days - self.exact_training_days), 1)


def period_views(rows: list[TrainingPeriod], today: date) -> list[PeriodView]:
    """Each period with the training time it gives, up to its end (an open-ended one, up to today)."""
    periods = tuple(core_period(r) for r in rows)
    views = []
    for row in rows:
        until = row.ends_on or max(today, row.starts_on)
        after = until + timedelta(days=1)
        done = training_time.training_days(row.starts_on, after, periods)
        views.append(PeriodView(row, until, (after - row.starts_on).days, done))
    return views
