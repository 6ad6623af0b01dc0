"""Reading evidence for the logbook, the entry page, stage competency pages, the dashboard and the portfolio."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from competencies import EVIDENCE_TYPES, Curriculum, ExtraRule, Stage, rules_for
from trainee_portal.extensions import db
from trainee_portal.models import (
    ArcpOutcome,
    EvidenceCompetency,
    EvidenceEntry,
    ExamAttempt,
    ExamSitting,
    HaloRequest,
    SignOff,
    SignOffRequest,
    StageSignOff,
)

SORTS = {
    "date_desc": (EvidenceEntry.occurred_on.desc(), EvidenceEntry.id.desc()),
    "date_asc": (EvidenceEntry.occurred_on.asc(), EvidenceEntry.id.asc()),
    "type": (EvidenceEntry.evidence_type, EvidenceEntry.occurred_on.desc(), EvidenceEntry.id.desc()),
    "title": (func.lower(EvidenceEntry.title), EvidenceEntry.id),
    "status": (
        case({"returned": 0, "draft": 1, "submitted": 2, "signed": 3}, value=EvidenceEntry.status),
        EvidenceEntry.occurred_on.desc(),
        EvidenceEntry.id.desc(),
    ),
}


def current_entries(trainee_id: int) -> Select:
    return select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.superseded_at.is_(None))


def logbook(trainee_id: int, filters: dict) -> Select:
    """The trainee's current entries narrowed by the filter form's values, in the chosen order."""
    query = current_entries(trainee_id)
    if filters.get("type"):
        query = query.where(EvidenceEntry.evidence_type == filters["type"])
    if filters.get("stage"):
        query = query.where(EvidenceEntry.stage_level == filters["stage"])
    if filters.get("status"):
        query = query.where(EvidenceEntry.status == filters["status"])
    if filters.get("date_from"):
        query = query.where(EvidenceEntry.occurred_on >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(EvidenceEntry.occurred_on <= filters["date_to"])
    if filters.get("competency"):
        query = query.where(
            exists().where(
                EvidenceCompetency.evidence_id == EvidenceEntry.id, EvidenceCompetency.competency_code == filters["competency"]
            )
        )
    if filters.get("q"):
        pattern = "%" + filters["q"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (EvidenceEntry.title, EvidenceEntry.notes, EvidenceEntry.reflection, EvidenceEntry.hospital)
                )
            )
        )
    return query.order_by(*SORTS.get(filters.get("sort") or "date_desc", SORTS["date_desc"]))


def count_of(query: Select) -> int:
    """How many rows a select of entries (the logbook's, filtered) has."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def entries_of(query: Select, offset: int, limit: int) -> list[EvidenceEntry]:
    """One page of a select of entries with the competencies each claims, in one statement however many it holds."""
    return db.session.scalars(query.options(joinedload(EvidenceEntry.competencies)).limit(limit).offset(offset)).unique().all()


@dataclass(frozen=True)
class TypeSummary:
    code: str
    label: str
    logged: int
    signed: int
    required: int


def type_summary(trainee_id: int, stage: Stage, extra_rules: tuple[ExtraRule, ...] = ()) -> list[TypeSummary]:
    """Current entries for a stage counted by type, beside what the stage's rules (with the region's) ask for in all."""
    required: dict[str, int] = defaultdict(int)
    for competency in stage.competencies:
        for rule in rules_for(competency, extra_rules):
            required[rule.evidence_type] += rule.minimum
    rows = db.session.execute(
        select(EvidenceEntry.evidence_type, func.count(), func.sum(case((EvidenceEntry.status == "signed", 1), else_=0)))
        .where(
            EvidenceEntry.trainee_id == trainee_id,
            EvidenceEntry.superseded_at.is_(None),
            EvidenceEntry.stage_level == stage.level,
        )
        .group_by(EvidenceEntry.evidence_type)
    ).all()
    logged = {kind: (n, int(signed or 0)) for kind, n, signed in rows}
    return [
        TypeSummary(code, kind.label, *logged.get(code, (0, 0)), required.get(code, 0))
        for code, kind in EVIDENCE_TYPES.items()
        if code in required or code in logged
    ]


def signoff_history(entry: EvidenceEntry) -> list[dict]:
    """Every request and signature for this entry and its earlier versions, newest first."""
    ids = [entry.id] + [e.id for e in versions(entry) if e.id != entry.id]
    requests = db.session.scalars(
        select(SignOffRequest)
        .where(SignOffRequest.evidence_id.in_(ids))
        .options(selectinload(SignOffRequest.supervisor))
        .order_by(SignOffRequest.created_at.desc())
    ).all()
    signoffs = {
        s.request_id: s
        for s in db.session.scalars(select(SignOff).where(SignOff.evidence_id.in_(ids)).options(selectinload(SignOff.signer)))
    }
    return [{"request": r, "signoff": signoffs.get(r.id)} for r in requests]


def unconfirmed_signature(entry: EvidenceEntry) -> SignOff | None:
    """An outside assessor's live signature on this entry that nobody has vouched for yet."""
    if entry.status != "submitted":
        return None
    return db.session.scalar(
        select(SignOff).where(SignOff.evidence_id == entry.id, SignOff.voided_at.is_(None), SignOff.assurance == "unconfirmed")
    )


def versions(entry: EvidenceEntry) -> list[EvidenceEntry]:
    """Every version in this entry's chain, newest first (a chain is short: one per re-signing)."""
    chain = [entry]
    while chain[-1].supersedes_id:
        older = db.session.get(EvidenceEntry, chain[-1].supersedes_id)
        if older is None:
            break
        chain.append(older)
    newer = entry
    while True:
        successor = db.session.scalar(select(EvidenceEntry).where(EvidenceEntry.supersedes_id == newer.id))
        if successor is None:
            break
        chain.insert(0, successor)
        newer = successor
    return chain


def for_competency(trainee_id: int, code: str, limit: int = 50) -> list[EvidenceEntry]:
    """The trainee's latest current entries claiming one competency, newest first (the logbook filter lists them all)."""
    return db.session.scalars(
        current_entries(trainee_id)
        .where(exists().where(EvidenceCompetency.evidence_id == EvidenceEntry.id, EvidenceCompetency.competency_code == code))
        .order_by(EvidenceEntry.occurred_on.desc(), EvidenceEntry.id.desc())
        .limit(limit)
    ).all()


def signed_by_competency(
    trainee_id: int, curriculum: Curriculum, sia_choice: str | None = None
) -> list[tuple[Stage, list[tuple]]]:
    """For the portfolio: per stage, each competency with the signed current entries claiming it and their signatures."""
    entries = db.session.scalars(
        current_entries(trainee_id).where(EvidenceEntry.status == "signed").order_by(EvidenceEntry.occurred_on, EvidenceEntry.id)
    ).all()
    signatures = defaultdict(list)
    for signoff in db.session.scalars(
        select(SignOff)
        .where(SignOff.evidence_id.in_([e.id for e in entries]) if entries else False, SignOff.voided_at.is_(None))
        .options(selectinload(SignOff.signer), selectinload(SignOff.confirmed_by))
        .order_by(SignOff.signed_at, SignOff.id)
    ):
        signatures[signoff.evidence_id].append(signoff)
    by_code = defaultdict(list)
    for entry in entries:
        for code in entry.competency_codes:
            by_code[code].append((entry, signatures.get(entry.id, [])))
    result = []
    followed = set(curriculum.followed_stages(sia_choice))
    for stage in curriculum.stages:
        items = [(competency, by_code[competency.code]) for competency in stage.competencies if by_code.get(competency.code)]
        if items or stage in followed:  # an SIA the trainee does not follow only when it holds signed evidence
            result.append((stage, items))
    return result


def count_current(trainee_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(EvidenceEntry)
        .where(and_(EvidenceEntry.trainee_id == trainee_id, EvidenceEntry.superseded_at.is_(None)))
    )


# --- the rest of the record, for the portfolio PDF: one query a section --------------------------------------------


def stage_signoffs(trainee_id: int) -> list[StageSignOff]:
    return db.session.scalars(
        select(StageSignOff)
        .where(StageSignOff.trainee_id == trainee_id)
        .options(selectinload(StageSignOff.signed_by))
        .order_by(StageSignOff.signed_on, StageSignOff.id)
    ).all()


def halo_requests(trainee_id: int) -> list[HaloRequest]:
    return db.session.scalars(
        select(HaloRequest)
        .where(HaloRequest.trainee_id == trainee_id)
        .options(selectinload(HaloRequest.decided_by))
        .order_by(HaloRequest.created_at, HaloRequest.id)
    ).all()


def exam_attempts(trainee_id: int) -> list[ExamAttempt]:
    return db.session.scalars(
        select(ExamAttempt)
        .join(ExamSitting, ExamAttempt.sitting_id == ExamSitting.id)
        .where(ExamAttempt.trainee_id == trainee_id)
        .options(selectinload(ExamAttempt.sitting))
        .order_by(ExamSitting.sits_on, ExamSitting.part, ExamAttempt.id)
    ).all()


def arcp_outcomes(trainee_id: int) -> list[ArcpOutcome]:
    return db.session.scalars(
        select(ArcpOutcome).where(ArcpOutcome.trainee_id == trainee_id).order_by(ArcpOutcome.panel_date, ArcpOutcome.id)
    ).all()
