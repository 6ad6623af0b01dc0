"""Reads for the MSF pages. Nothing here returns one rater's answers: responses leave only as counts per staff group
or as the collated result (competencies.msf.collate), which the routes show only when the policy allows."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from competencies import msf
from trainee_portal import curricula, policy
from trainee_portal.audit import text_sha256
from trainee_portal.extensions import db
from trainee_portal.models import MsfRater, MsfResponse, MsfRound


def rules_for(msf_round: MsfRound) -> msf.MsfRules | None:
    return curricula.curriculum(msf_round.curriculum_version).msf


def rounds_for_trainee(trainee_id: int) -> list[MsfRound]:
    return list(
        db.session.scalars(select(MsfRound).where(MsfRound.trainee_id == trainee_id).order_by(MsfRound.created_at.desc()))
    )


def rounds_for_supervisor(supervisor_id: int) -> list[MsfRound]:
    """Rounds of the trainees this user currently supervises educationally."""
    trainees = policy.supervised_trainee_ids(supervisor_id, kind="educational")
    return list(
        db.session.scalars(
            select(MsfRound)
            .where(MsfRound.trainee_id.in_(trainees), MsfRound.trainee_id != supervisor_id)
            .options(joinedload(MsfRound.trainee))
            .order_by(MsfRound.created_at.desc())
            .limit(200)
        )
    )


def raters(round_id: int) -> list[MsfRater]:
    """The nominated raters, for the trainee's own list (the page shows name, address, group and invitation only)."""
    return list(db.session.scalars(select(MsfRater).where(MsfRater.round_id == round_id).order_by(MsfRater.name, MsfRater.id)))


def rater_count(round_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(MsfRater).where(MsfRater.round_id == round_id)) or 0


def response_counts(round_id: int) -> dict[str, int]:
    """How many responses each staff group has given: what the trainee sees while the round collects feedback."""
    rows = db.session.execute(
        select(MsfResponse.staff_group, func.count()).where(MsfResponse.round_id == round_id).group_by(MsfResponse.staff_group)
    )
    return {group: count for group, count in rows}


def counts_for_rounds(round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(raters nominated, responses) per round, for the index."""
    nominated = dict(
        db.session.execute(
            select(MsfRater.round_id, func.count()).where(MsfRater.round_id.in_(round_ids)).group_by(MsfRater.round_id)
        ).all()
    )
    answered = dict(
        db.session.execute(
            select(MsfResponse.round_id, func.count()).where(MsfResponse.round_id.in_(round_ids)).group_by(MsfResponse.round_id)
        ).all()
    )
    return {round_id: (nominated.get(round_id, 0), answered.get(round_id, 0)) for round_id in round_ids}


def _responses(round_id: int) -> list[MsfResponse]:
    # Ordered by the random key, which says nothing of who answered or when.
    return list(db.session.scalars(select(MsfResponse).where(MsfResponse.round_id == round_id).order_by(MsfResponse.id)))


def plain_responses(round_id: int) -> list[msf.Response]:
    rows = []
    for response in _responses(round_id):
        answers = json.loads(response.answers)
        rows.append(msf.Response(response.staff_group, answers.get("ratings", {}), answers.get("comments", {})))
    return rows


def results_sha256(round_id: int) -> str:
    """SHA-256 of the round's responses in a fixed order: what the release records in the audit log."""
    lines = sorted(f"{r.staff_group}\t{r.answers}" for r in _responses(round_id))
    return text_sha256("\n".join(lines))


def collated(msf_round: MsfRound) -> msf.Collation:
    return msf.collate(rules_for(msf_round), plain_responses(msf_round.id))


def readiness(msf_round: MsfRound) -> msf.Readiness:
    return msf.readiness(rules_for(msf_round), rater_count(msf_round.id), response_counts(msf_round.id))
