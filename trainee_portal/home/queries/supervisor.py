"""The supervisor's home: what is waiting for them (sign-offs, HALO reviews, MSF rounds to release), which of their
trainees have a HALO or an ARCP panel coming, and who has entries returned or carries a cohort flag.

Every read is a count or a bounded list over summaries and indexed rows, a fixed number of statements whatever the
number of trainees: the flags are the cohort dashboard's own query (`cohort.queries.cohort_select`, read through
`flags_for`), never a second definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from competencies import attention, flags, msf
from trainee_portal import curricula, policy
from trainee_portal.cohort.queries import Filters, cohort_select, flags_for
from trainee_portal.extensions import db
from trainee_portal.models import (
    ArcpPanel,
    ArcpPanelTrainee,
    EvidenceEntry,
    HaloRequest,
    MsfRater,
    MsfResponse,
    MsfRound,
    SignOffRequest,
    SupervisorAssignment,
    TraineeProfile,
    TraineeProgress,
    User,
)
from trainee_portal.platform.clock import uk_today, utcnow

LIST_LIMIT = 50  # rows any one list on the page shows; a supervisor rarely has more trainees than this
FLAG_TITLES = flags.FLAG_TITLES


@dataclass(frozen=True)
class Waiting:
    """Items waiting for this supervisor: how many, and how long the oldest has waited (days)."""

    count: int
    oldest_days: int | None
    overdue: bool = False  # the oldest has waited past flags.SIGNOFF_WAIT_DAYS (the cohort's "waiting" flag)


@dataclass(frozen=True)
class Supervisee:
    trainee_id: int
    name: str
    stage_level: str
    stage_name: str
    competencies_complete: int
    competencies_total: int
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Returned:
    trainee_id: int
    name: str
    returned: int  # current entries returned to the trainee and not sent again


@dataclass(frozen=True)
class Coming:
    trainee_id: int
    name: str
    stage_level: str  # the trainee's current stage, whose page their name links to
    what: str  # "halo" or "arcp"
    on: date | datetime  # the panel's date, or when the HALO was requested
    detail: str  # the stage the HALO closes, or the panel's readiness in words
    link_id: int | None = None  # the HALO request's id
    cutoff: date | None = None


def _waiting(count, oldest, now: datetime) -> Waiting:
    overdue = oldest is not None and oldest < flags.signoff_overdue_cutoff(now)
    return Waiting(int(count or 0), attention.days_waiting(oldest, now) if oldest else None, overdue)


def signoffs_waiting(user, today: date, now: datetime) -> Waiting:
    """Pending requests to this supervisor from trainees they supervise today (the sign-off queue's own rows)."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(SignOffRequest.created_at))
        .join(EvidenceEntry, EvidenceEntry.id == SignOffRequest.evidence_id)
        .where(
            SignOffRequest.supervisor_id == user.id,
            SignOffRequest.status == "pending",
            EvidenceEntry.trainee_id.in_(policy.supervised_trainee_ids(user.id, on=today)),
        )
    ).one()
    return _waiting(count, oldest, now)


def halos_waiting(user, now: datetime) -> Waiting | None:
    """Open HALO requests in this reviewer's queue (their regions, never their own); None when they review none."""
    if not policy.can_use_halo_queue(user):
        return None
    count, oldest = db.session.execute(
        select(func.count(), func.min(HaloRequest.created_at))
        .join(TraineeProfile, TraineeProfile.user_id == HaloRequest.trainee_id)
        .where(
            TraineeProfile.region_id.in_(policy.halo_region_ids(user)),
            HaloRequest.trainee_id != user.id,
            HaloRequest.status == "requested",
        )
    ).one()
    return _waiting(count, oldest, now)


def msf_rounds_ready(user, now: datetime) -> Waiting | None:
    """Rounds of this educational supervisor's trainees still collecting feedback that meet their curriculum's
    minimums, so only the supervisor's release is missing; None when they supervise nobody educationally."""
    educational = policy.supervised_trainee_ids(user.id, kind="educational")
    rounds = db.session.execute(
        select(MsfRound.id, MsfRound.curriculum_version, MsfRound.created_at)
        .where(MsfRound.trainee_id.in_(educational), MsfRound.trainee_id != user.id, MsfRound.status == msf.COLLECTING)
        .order_by(MsfRound.created_at)
        .limit(LIST_LIMIT)
    ).all()
    if not rounds:
        has_any = db.session.execute(educational.where(SupervisorAssignment.trainee_id != user.id).limit(1)).first()
        return Waiting(0, None) if has_any else None
    ids = [r.id for r in rounds]
    nominated = dict(
        db.session.execute(
            select(MsfRater.round_id, func.count()).where(MsfRater.round_id.in_(ids)).group_by(MsfRater.round_id)
        ).all()
    )
    groups: dict[int, dict[str, int]] = {i: {} for i in ids}
    for round_id, group, n in db.session.execute(
        select(MsfResponse.round_id, MsfResponse.staff_group, func.count())
        .where(MsfResponse.round_id.in_(ids))
        .group_by(MsfResponse.round_id, MsfResponse.staff_group)
    ):
        groups[round_id][group] = n
    ready = []
    for r in rounds:
        try:
            rules = curricula.curriculum(r.curriculum_version).msf
        except KeyError:  # a version no longer in the registry: nothing to measure the round against
            rules = None
        if rules is not None and msf.readiness(rules, nominated.get(r.id, 0), groups[r.id]).ready:
            ready.append(r.created_at)
    return _waiting(len(ready), min(ready) if ready else None, now)


def supervisees(user, today: date) -> list[Supervisee]:
    """The trainees this user supervises today, by name: stage from their own curriculum, competencies complete as the
    trainee's own page counts them, and the cohort flags."""
    query = cohort_select(user, Filters(), today)
    query = (
        query.add_columns(
            func.coalesce(TraineeProgress.competencies_complete, 0).label("competencies_complete"),
            func.coalesce(TraineeProgress.competencies_total, 0).label("competencies_total"),
        )
        .where(TraineeProfile.user_id.in_(policy.supervised_trainee_ids(user.id, on=today)), TraineeProfile.user_id != user.id)
        .order_by(User.name, TraineeProfile.user_id)
        .limit(LIST_LIMIT)
    )
    rows = db.session.execute(query).all()
    now, seen, result = utcnow(), set(), []
    for row in rows:
        if row.trainee_id in seen:  # two SIA stages share the advanced slot: the trainee is listed once
            continue
        seen.add(row.trainee_id)
        _, row_flags = flags_for(row, today, now)
        result.append(
            Supervisee(
                trainee_id=row.trainee_id,
                name=row.name,
                stage_level=row.stage_level,
                stage_name=curricula.stage_name(row.curriculum_version, row.stage_level, row.sia_stage_key),
                competencies_complete=int(row.competencies_complete),
                competencies_total=int(row.competencies_total),
                flags=row_flags,
            )
        )
    return result


def returned_entries(user, today: date) -> list[Returned]:
    """The trainees this user supervises today with entries returned to them and not sent again, by name."""
    rows = db.session.execute(
        select(EvidenceEntry.trainee_id, User.name, func.count())
        .join(User, User.id == EvidenceEntry.trainee_id)
        .where(
            EvidenceEntry.trainee_id.in_(policy.supervised_trainee_ids(user.id, on=today)),
            EvidenceEntry.trainee_id != user.id,
            EvidenceEntry.status == "returned",
            EvidenceEntry.superseded_at.is_(None),
        )
        .group_by(EvidenceEntry.trainee_id, User.name)
        .order_by(User.name, EvidenceEntry.trainee_id)
        .limit(LIST_LIMIT)
    ).all()
    return [Returned(trainee_id, name, int(n)) for trainee_id, name, n in rows]


def coming(user, today: date) -> list[Coming]:
    """Open HALO requests of the trainees this user supervises, and their ARCP panels within
    attention.ARCP_COMING_DAYS, soonest first."""
    supervised = policy.supervised_trainee_ids(user.id, on=today)
    halos = db.session.execute(
        select(HaloRequest.id, HaloRequest.trainee_id, User.name, HaloRequest.curriculum_version, HaloRequest.stage_key)
        .add_columns(HaloRequest.created_at, TraineeProfile.current_stage)
        .join(User, User.id == HaloRequest.trainee_id)
        .join(TraineeProfile, TraineeProfile.user_id == User.id)
        .where(HaloRequest.trainee_id.in_(supervised), HaloRequest.trainee_id != user.id, HaloRequest.status == "requested")
        .order_by(HaloRequest.created_at)
        .limit(LIST_LIMIT)
    ).all()
    panels = db.session.execute(
        select(ArcpPanelTrainee.trainee_id, User.name, ArcpPanel.panel_date, ArcpPanel.cutoff_date, ArcpPanelTrainee.readiness)
        .add_columns(TraineeProfile.current_stage)
        .join(ArcpPanel, ArcpPanel.id == ArcpPanelTrainee.panel_id)
        .join(User, User.id == ArcpPanelTrainee.trainee_id)
        .join(TraineeProfile, TraineeProfile.user_id == User.id)
        .where(
            ArcpPanelTrainee.trainee_id.in_(supervised),
            ArcpPanelTrainee.trainee_id != user.id,
            ArcpPanel.cancelled_at.is_(None),
            ArcpPanel.panel_date >= today,
            ArcpPanel.panel_date <= attention.coming_until(today),
        )
        .order_by(ArcpPanel.panel_date, User.name)
        .limit(LIST_LIMIT)
    ).all()
    items = [
        Coming(h.trainee_id, h.name, h.current_stage, "halo", h.created_at, _stage_title(h.curriculum_version, h.stage_key), h.id)
        for h in halos
    ]
    items += [
        Coming(p.trainee_id, p.name, p.current_stage, "arcp", p.panel_date, p.readiness, cutoff=p.cutoff_date) for p in panels
    ]
    return items


def _stage_title(version: str, stage_key: str) -> str:
    try:
        return curricula.curriculum(version).stage(stage_key).name
    except KeyError:
        return stage_key


def supervisor_home(user) -> dict:
    today, now = uk_today(), utcnow()
    people = supervisees(user, today)
    signoffs, halos, msf_ready = signoffs_waiting(user, today, now), halos_waiting(user, now), msf_rounds_ready(user, now)
    return {
        "signoffs": signoffs,
        "halos": halos,
        "msf": msf_ready,
        # Nobody to supervise and nothing waiting: someone who also directs reads who needs them first.
        "idle": not people and not any(w and w.count for w in (signoffs, halos, msf_ready)),
        "coming": coming(user, today),
        "coming_days": attention.ARCP_COMING_DAYS,
        "supervisees": people,
        "returned": returned_entries(user, today),
        "flagged": [p for p in people if p.flags],
        "flag_titles": FLAG_TITLES,
        "overdue_days": flags.SIGNOFF_WAIT_DAYS.value,
        "limit": LIST_LIMIT,
    }
