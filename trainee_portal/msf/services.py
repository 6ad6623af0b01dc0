"""MSF writes: start a round, nominate a rater, store a rater's answers, release or close a round.

Each appends its audit record and queues its emails in the caller's transaction (the route commits once).
Conditional UPDATEs on the round make a second answer, a late answer and two decisions fail cleanly.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError

from competencies import NOT_APPLICABLE, msf
from trainee_portal import audit, curricula, policy
from trainee_portal.audit import canonical_json, text_sha256
from trainee_portal.extensions import db
from trainee_portal.logbook import services as logbook_services
from trainee_portal.models import MsfRater, MsfResponse, MsfRound, User
from trainee_portal.msf import queries
from trainee_portal.msf.links import RATER_LINK_CATEGORY
from trainee_portal.notifications.outbox import TOKEN_PLACEHOLDER, app_path, external_url, notify
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.platform.words import plural
from trainee_portal.signoff import services as signoff_services


class MsfError(Exception):
    """A write the rules refuse, with a message for the user; nothing was saved."""


RACE_ERRORS = (MsfError, IntegrityError, OperationalError, signoff_services.SignOffConflict)


def failure_message(error: Exception) -> str:
    """Roll back a refused or raced write and say what happened, for the page to show."""
    db.session.rollback()
    if isinstance(error, (MsfError, signoff_services.SignOffConflict)):
        return str(error)
    return "Someone else changed this round at the same moment, so nothing was saved. Check where it stands now."


def _hold_open_round(msf_round: MsfRound) -> None:
    """Lock the round's row while it collects feedback (a no-op update), else refuse: answers and nominations wait
    for a decision in progress and are refused after it."""
    result = db.session.execute(
        update(MsfRound)
        .where(MsfRound.id == msf_round.id, MsfRound.status == msf.COLLECTING)
        .values(status=msf.COLLECTING)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise MsfError("This round has been released or closed, so it takes no more raters or answers.")


def start_round(trainee: User, title: str) -> MsfRound:
    profile = trainee.trainee_profile
    if curricula.curriculum(profile.curriculum_version).msf is None:
        raise MsfError("Your curriculum has no MSF rules yet, so a round cannot start. Ask your training programme.")
    msf_round = MsfRound(trainee_id=trainee.id, title=title or "", curriculum_version=profile.curriculum_version)
    db.session.add(msf_round)
    db.session.flush()
    audit.record(
        "msf.round_started",
        msf_round,
        {"round_id": msf_round.id, "title": msf_round.title, "curriculum_version": msf_round.curriculum_version},
        actor=trainee,
    )
    return msf_round


def _invite(trainee: User, msf_round: MsfRound, email: str):
    """Queue a rater's invitation; its one-time link is minted when the email is sent (links.prepare_invitation)."""
    link = external_url("msf.rate", token=TOKEN_PLACEHOLDER)
    return notify(
        to_email=email,
        category=RATER_LINK_CATEGORY,
        subject=f"Feedback requested for {trainee.name}, a Pain Medicine trainee",
        body=(
            f"{trainee.name} has asked you for multi-source feedback on their work with you"
            f"{' (' + msf_round.title + ')' if msf_round.title else ''}.\n\n"
            f"It takes about five minutes. Your answers are collated with others' and shown without your name; "
            f"the trainee never sees who said what.\n\n"
            f"Open this one-time link to answer (no account is needed):\n{link}\n\n"
            f"The link works once and expires after the number of days your portfolio administrator set. "
            f"If you were not expecting this, ignore this email.\n"
        ),
    )


def resend(trainee: User, msf_round: MsfRound, rater: MsfRater) -> None:
    """Queue a fresh invitation (its link replaces the old one when it goes). A rater who has answered gets nothing,
    and the trainee is not told which: that would say who answered."""
    _hold_open_round(msf_round)
    message = _invite(trainee, msf_round, rater.email)
    db.session.flush()
    rater.outbox_message_id = message.id
    audit.append(
        "msf.rater_reinvited",
        subject_type=MsfRater.AUDIT_SUBJECT,
        subject_id=rater.id,
        trainee_id=msf_round.trainee_id,
        payload={"round_id": msf_round.id, "rater_id": rater.id},
        actor=trainee,
    )


def nominate(trainee: User, msf_round: MsfRound, *, name: str, email: str, staff_group: str) -> MsfRater:
    """Add a rater and queue their invitation; the link inside is minted when the email is sent."""
    rules = queries.rules_for(msf_round)
    email = email.strip().lower()
    if staff_group not in rules.group_keys:
        raise MsfError("Choose one of the staff groups listed.")
    if policy.is_msf_trainees_own_address(msf_round, email):
        raise MsfError("That is your own email address: you cannot rate yourself. Enter a colleague's address.")
    known = {policy.mailbox(rater.email) for rater in queries.raters(msf_round.id)}
    if policy.mailbox(email) in known:
        raise MsfError("This rater is already nominated in this round: each person rates once.")
    _hold_open_round(msf_round)
    rater = MsfRater(round_id=msf_round.id, name=name.strip(), email=email, staff_group=staff_group, invited_at=utcnow())
    db.session.add(rater)
    message = _invite(trainee, msf_round, email)
    db.session.flush()  # the unique (round, email) refuses a duplicate that raced past the check
    rater.outbox_message_id = message.id
    audit.append(
        "msf.rater_nominated",
        subject_type=MsfRater.AUDIT_SUBJECT,
        subject_id=rater.id,
        trainee_id=msf_round.trainee_id,
        payload={"round_id": msf_round.id, "rater_id": rater.id, "email": email, "staff_group": staff_group},
        actor=trainee,
    )
    return rater


def answer(rater: MsfRater, ratings: dict[str, str], comments: dict[str, str]) -> None:
    """Store one rater's answers without anything that links them to the rater, and use up the link."""
    msf_round = rater.round
    rules = queries.rules_for(msf_round)
    problems = msf.check_answers(rules, ratings, comments)
    if problems:
        raise MsfError(" ".join(problems))
    _hold_open_round(msf_round)
    now = utcnow()
    result = db.session.execute(
        update(MsfRater)
        .where(MsfRater.id == rater.id, MsfRater.responded_at.is_(None), MsfRater.token_hash == rater.token_hash)
        .values(responded_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise MsfError("This link has already been used: each rater answers once.")
    kept = {
        "ratings": {q.key: ratings[q.key] for q in rules.questions},
        "comments": {k: comments.get(k, "") for k, _ in msf.COMMENT_PROMPTS},
    }
    db.session.add(MsfResponse(round_id=msf_round.id, staff_group=rater.staff_group, answers=canonical_json(kept)))
    audit.append(
        "msf.rater_responded",
        subject_type=MsfRater.AUDIT_SUBJECT,
        subject_id=rater.id,
        trainee_id=msf_round.trainee_id,
        payload={"round_id": msf_round.id, "rater_id": rater.id},  # never the answers: they stay unlinked
        actor=None,
        actor_label=f"{rater.name} <{rater.email}> via one-time MSF link",
    )


def _decide(msf_round: MsfRound, supervisor: User, status: str, comment: str) -> None:
    result = db.session.execute(
        update(MsfRound)
        .where(MsfRound.id == msf_round.id, MsfRound.status == msf.COLLECTING)
        .values(status=status, decided_at=utcnow(), decided_by_id=supervisor.id, supervisor_comment=comment)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise MsfError("This round was already released or closed, so nothing was changed.")


def _evidence_values(msf_round: MsfRound, rules: msf.MsfRules, counts: dict[str, int], profile) -> dict:
    curriculum = curricula.curriculum(profile.curriculum_version)
    groups = ", ".join(f"{rules.group_label(key)} {count}" for key, count in sorted(counts.items()) if count)
    return {
        "evidence_type": "wba.msf",
        "occurred_on": uk_today(),
        "title": f"Multi-source feedback{': ' + msf_round.title if msf_round.title else ''}"[:200],
        "notes": (
            f"Released from MSF round {msf_round.id} with {plural(sum(counts.values()), 'anonymous response')} "
            f"({groups}). The collated feedback is on the MSF page."
        ),
        "competencies": list(msf.msf_competencies(curriculum, profile.current_stage)),
    }


def release(supervisor: User, msf_round: MsfRound, comment: str) -> None:
    """Release the collated feedback to the trainee. The round then counts as their MSF: a wba.msf entry, signed by
    the releasing supervisor through the sign-off services, so progress, readiness and panel packs count it."""
    rules = queries.rules_for(msf_round)
    status = queries.readiness(msf_round)
    if not status.ready:
        raise MsfError("This round cannot be released yet. " + " ".join(status.missing))
    _decide(msf_round, supervisor, msf.RELEASED, comment)
    counts = queries.response_counts(msf_round.id)
    trainee = msf_round.trainee
    profile = trainee.trainee_profile
    values = _evidence_values(msf_round, rules, counts, profile)
    entry = logbook_services.create(supervisor, profile, curricula.curriculum(profile.curriculum_version), values, None)
    signoff_request = signoff_services.request_signoff(trainee, entry, supervisor=supervisor)
    signoff_services.sign(
        signoff_request, level=NOT_APPLICABLE, feedback=comment, seen_hash=entry.compute_content_hash(), decider=supervisor
    )
    msf_round.evidence_id = entry.id
    msf_round.results_sha256 = queries.results_sha256(msf_round.id)
    audit.record(
        "msf.released",
        msf_round,
        {
            "round_id": msf_round.id,
            "evidence_id": entry.id,
            "responses": sum(counts.values()),
            "responses_by_group": counts,
            "results_sha256": msf_round.results_sha256,
            "comment_sha256": text_sha256(comment),
        },
        actor=supervisor,
    )
    notify(
        user=trainee,
        category="msf.released",
        link=app_path("msf.detail", round_id=msf_round.id),
        subject="Your multi-source feedback has been released",
        body=(
            f"{supervisor.name} released the collated feedback of your MSF round. It counts as your MSF.\n\n"
            f"Read it here: {external_url('msf.detail', round_id=msf_round.id)}\n"
        ),
    )


def close(supervisor: User, msf_round: MsfRound, comment: str) -> None:
    """Close the round early: it takes no more answers and does not count as an MSF."""
    _decide(msf_round, supervisor, msf.CLOSED, comment)
    audit.record("msf.closed", msf_round, {"round_id": msf_round.id, "comment_sha256": text_sha256(comment)}, actor=supervisor)
    notify(
        user=msf_round.trainee,
        category="msf.closed",
        link=app_path("msf.detail", round_id=msf_round.id),
        subject="Your MSF round was closed early",
        body=(
            f"{supervisor.name} closed your MSF round early. It does not count as an MSF; start a new round when "
            f"you are ready.\n\n{comment}\n"
        ),
    )
