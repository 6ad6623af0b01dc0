"""The one place that answers "may this user see or do this?". Routes ask here; nothing is checked inline.

Rules take the user and plain ids or model objects and return a bool; `authorize()` turns a refusal
into 403 and `public` marks the few endpoints anonymous callers may reach.
"""

from __future__ import annotations

from datetime import date
from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, or_, select

from competencies import EDUCATIONAL_SUPERVISOR_ONLY, halo, lifecycle, msf
from trainee_portal.extensions import db
from trainee_portal.models import (
    ArcpPanel,
    ArcpPanelTrainee,
    Cohort,
    DirectorScope,
    HaloEvidence,
    Region,
    RoleScope,
    SignOff,
    SignOffRequest,
    SupervisorAssignment,
    TraineeProfile,
    User,
)
from trainee_portal.models.accounts import REGIONAL_ROLES
from trainee_portal.platform.clock import uk_today

# --- marking endpoints --------------------------------------------------------------------------


def public(view):
    """Let anonymous callers reach this view (login, health, assets, assessor links)."""
    view.is_public = True
    return view


def authorize(allowed: bool) -> None:
    """Stop the request with 403 unless the rule allowed it."""
    g.policy_decisions = g.get("policy_decisions", 0) + 1  # tests check that every page asked
    if not allowed:
        abort(403)


def requires(rule):
    """Decorator: the view runs only when rule(current_user) holds."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            authorize(rule(current_user))
            return view(*args, **kwargs)

        guarded.policy_rule = rule  # the navigation shows a page's link on this same rule
        return guarded

    return decorate


# --- roles --------------------------------------------------------------------------------------


def _has(user, role: str) -> bool:
    return bool(user and user.is_authenticated and user.has_role(role))


def is_signed_in(user) -> bool:
    """Pages about the caller's own account (home, notifications, password) are for everyone signed in."""
    return bool(user and user.is_authenticated)


def is_trainee(user) -> bool:
    return _has(user, "trainee") and user.trainee_profile is not None


def is_supervisor(user) -> bool:
    return _has(user, "supervisor")


def is_director(user) -> bool:
    return _has(user, "director")


def is_admin(user) -> bool:
    return _has(user, "admin")


def can_use_cohort_dashboard(user) -> bool:
    return is_director(user) or is_admin(user)


def can_administer(user) -> bool:
    return is_admin(user)


def roles_need_profile(roles) -> bool:
    """The trainee role comes only with a trainee profile (GMC number, curriculum, region): is_trainee needs both."""
    return "trainee" in roles


def can_receive_logbook_import(user) -> bool:
    """A logbook is imported (from the command line, by the operator) only into a trainee's account with its profile,
    signed in or not."""
    return user is not None and user.has_role("trainee") and user.trainee_profile is not None


# --- who may see which trainee ------------------------------------------------------------------


def current_assignment(on: date | None = None) -> ColumnElement[bool]:
    """SQL: the supervisor assignment is current on this day (default today): from its start to its end, both
    included; an assignment without an end stays current."""
    on = on or uk_today()
    return and_(
        SupervisorAssignment.starts_on <= on, or_(SupervisorAssignment.ends_on.is_(None), SupervisorAssignment.ends_on >= on)
    )


def supervised_trainee_ids(supervisor_id: int, on: date | None = None, kind: str | None = None) -> Select:
    """Trainees with a current assignment to this supervisor (optionally of one kind)."""
    query = select(SupervisorAssignment.trainee_id).where(
        SupervisorAssignment.supervisor_id == supervisor_id, current_assignment(on)
    )
    if kind:
        query = query.where(SupervisorAssignment.kind == kind)
    return query


def _director_scopes(director_id: int):
    return select(DirectorScope.region_id, DirectorScope.cohort_id).where(DirectorScope.director_id == director_id).subquery()


def directed_trainee_ids(director_id: int) -> Select:
    """Trainees in a region or cohort this director directs."""
    scopes = _director_scopes(director_id)
    return select(TraineeProfile.user_id).join(
        scopes,
        or_(
            and_(scopes.c.region_id.is_not(None), TraineeProfile.region_id == scopes.c.region_id),
            and_(scopes.c.cohort_id.is_not(None), TraineeProfile.cohort_id == scopes.c.cohort_id),
        ),
    )


def visible_trainee_ids(user) -> Select | None:
    """A query of the trainee ids this user may see; None means every trainee (administrators)."""
    if is_admin(user):
        return None
    parts = []
    if is_trainee(user):
        parts.append(select(TraineeProfile.user_id).where(TraineeProfile.user_id == user.id))
    if is_supervisor(user):
        parts.append(supervised_trainee_ids(user.id))
    if is_director(user):
        parts.append(directed_trainee_ids(user.id))
    if not parts:
        return select(TraineeProfile.user_id).where(False)
    query = parts[0]
    for part in parts[1:]:
        query = query.union(part)
    return query


def visible_region_ids(user) -> Select | None:
    """The regions this user may filter trainees by: those a director directs, or holds a directed cohort of; None
    means every region (administrators)."""
    if is_admin(user):
        return None
    if not is_director(user):
        return select(Region.id).where(False)
    scopes = _director_scopes(user.id)
    return select(Region.id).where(
        or_(
            Region.id.in_(select(scopes.c.region_id)),
            Region.id.in_(select(Cohort.region_id).join(scopes, scopes.c.cohort_id == Cohort.id)),
        )
    )


def visible_cohort_ids(user) -> Select | None:
    """The cohorts this user may filter trainees by: those a director directs, or in a region they direct; None means
    every cohort (administrators)."""
    if is_admin(user):
        return None
    if not is_director(user):
        return select(Cohort.id).where(False)
    scopes = _director_scopes(user.id)
    return select(Cohort.id).where(
        or_(Cohort.region_id.in_(select(scopes.c.region_id)), Cohort.id.in_(select(scopes.c.cohort_id)))
    )


def supervises(user, trainee_id: int, kind: str | None = None) -> bool:
    if not is_supervisor(user) or user.id == trainee_id:
        return False
    query = supervised_trainee_ids(user.id, kind=kind).where(SupervisorAssignment.trainee_id == trainee_id)
    return db.session.execute(query.limit(1)).first() is not None


def directs(user, trainee_id: int) -> bool:
    """A director of the trainee's region or cohort, never the trainee themself (an account may hold both roles)."""
    if not is_director(user) or user.id == trainee_id:
        return False
    query = directed_trainee_ids(user.id).where(TraineeProfile.user_id == trainee_id)
    return db.session.execute(query.limit(1)).first() is not None


def can_view_trainee(user, trainee_id: int) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.id == trainee_id and is_trainee(user):
        return True
    return is_admin(user) or supervises(user, trainee_id) or directs(user, trainee_id)


def can_pick_trainee(user) -> bool:
    """Supervisors, directors and admins choose whose record a shared page shows."""
    return is_supervisor(user) or is_director(user) or is_admin(user)


# --- evidence and sign-off ----------------------------------------------------------------------


def can_record_evidence(user) -> bool:
    return is_trainee(user)


def owns_evidence(user, entry) -> bool:
    return bool(user and user.is_authenticated and entry.trainee_id == user.id)


def can_view_evidence(user, entry) -> bool:
    return can_view_trainee(user, entry.trainee_id) or can_view_halo_evidence(user, entry)


def awaiting_confirmation(entry) -> bool:
    """An outside assessor signed this entry and nobody has vouched for them yet: it must not change under them."""
    return (
        lifecycle.may_await_confirmation(entry.status)
        and db.session.execute(
            select(SignOff.id)
            .where(SignOff.evidence_id == entry.id, SignOff.voided_at.is_(None), SignOff.assurance == "unconfirmed")
            .limit(1)
        ).first()
        is not None
    )


def can_edit_evidence(user, entry) -> bool:
    """Owners edit their own evidence until it is signed; signed content changes only by a new version, and an
    outside assessor's signature awaiting confirmation holds the content still."""
    return (
        owns_evidence(user, entry)
        and lifecycle.may_edit(entry.status, current=entry.is_current)
        and not awaiting_confirmation(entry)
    )


def can_revise_signed_evidence(user, entry) -> bool:
    return owns_evidence(user, entry) and lifecycle.may_revise(entry.status, current=entry.is_current)


def can_request_signoff(user, entry) -> bool:
    return owns_evidence(user, entry) and lifecycle.may_submit(entry.status, current=entry.is_current)


def can_delete_evidence(user, entry) -> bool:
    """The owner deletes what the lifecycle lets go: a first-version draft (lifecycle.may_delete)."""
    return owns_evidence(user, entry) and lifecycle.may_delete(
        entry.status, current=entry.is_current, first_version=entry.supersedes_id is None
    )


def can_decide_signoff(user, signoff_request) -> bool:
    """Only a currently assigned supervisor decides, never on their own evidence, and only once."""
    if not (user and user.is_authenticated):
        return False
    if signoff_request.status != "pending" or signoff_request.supervisor_id is None:
        return False
    if user.id != signoff_request.supervisor_id:
        return False
    trainee_id = signoff_request.evidence.trainee_id
    return trainee_id != user.id and supervises(user, trainee_id)


def can_ask_supervisor(user, entry, supervisor) -> bool:
    """A request goes only to a supervisor currently assigned to the evidence's owner, never to the owner; an ESSR
    only to their educational supervisor (competencies.EDUCATIONAL_SUPERVISOR_ONLY)."""
    kind = "educational" if entry.evidence_type in EDUCATIONAL_SUPERVISOR_ONLY else None
    return (
        can_request_signoff(user, entry)
        and supervisor is not None
        and supervisor.id != entry.trainee_id
        and supervises(supervisor, entry.trainee_id, kind=kind)
    )


def mailbox(email: str | None) -> str:
    """The mailbox an address delivers to, for telling whether two addresses are one person's: lower case, without
    a sub-address (owner+anything@nhs.net reaches owner@nhs.net on nhs.net and most providers) or a final dot."""
    local, at, domain = (email or "").strip().lower().rpartition("@")
    if not at:
        return (email or "").strip().lower()
    return f"{local.split('+', 1)[0]}@{domain.rstrip('.')}"


def is_trainees_own_address(entry, email: str | None) -> bool:
    """The address reaches the mailbox of the evidence's owner (sub-addresses and case included)."""
    address = mailbox(email)
    owner_addresses = db.session.scalars(select(User.email).where(User.id == entry.trainee_id)).all()
    return any(address == mailbox(known) for known in owner_addresses)


def can_ask_assessor(user, entry, email: str) -> bool:
    """Outside assessors by email, but never the trainee's own address (nobody signs their own evidence), and never for
    a kind only the educational supervisor reviews (the ESSR)."""
    return (
        can_request_signoff(user, entry)
        and bool(email)
        and entry.evidence_type not in EDUCATIONAL_SUPERVISOR_ONLY
        and not is_trainees_own_address(entry, email)
    )


def trusted_assessor_domain(entry, email: str | None) -> str | None:
    """The domain of the trainee's region that vouches for this assessor address (exact or a subdomain), if any."""
    profile = entry.trainee.trainee_profile
    region = profile.region if profile is not None else None
    local, at, domain = (email or "").strip().lower().rpartition("@")
    if region is None or not (local and at and domain) or is_trainees_own_address(entry, email):
        return None
    return next((trusted for trusted in region.trusted_domains if domain == trusted or domain.endswith("." + trusted)), None)


def signature_assurance(signoff_request) -> tuple[str, str | None]:
    """How a new signature on this request is vouched for: (assurance, the trusted domain when there is one)."""
    if signoff_request.supervisor_id is not None:
        return "supervisor", None
    domain = trusted_assessor_domain(signoff_request.evidence, signoff_request.assessor_email)
    return ("trusted_domain", domain) if domain else ("unconfirmed", None)


def can_confirm_assessor_signature(user, signoff) -> bool:
    """Only a current educational supervisor of the trainee (never the trainee) vouches for an outside assessor."""
    entry = signoff.evidence
    return (
        signoff.assurance == "unconfirmed"
        and signoff.voided_at is None
        and lifecycle.in_review(entry.status, current=entry.is_current)
        and not owns_evidence(user, entry)
        and supervises(user, entry.trainee_id, kind="educational")
    )


def can_view_signoff_request(user, signoff_request) -> bool:
    return can_view_evidence(user, signoff_request.evidence)


def can_view_signature(user, signoff) -> bool:
    return can_view_evidence(user, signoff.evidence)


def can_cancel_signoff(user, signoff_request) -> bool:
    return (
        signoff_request.status == "pending"
        and owns_evidence(user, signoff_request.evidence)
        and signoff_request.evidence.is_current
    )


def can_use_signoff_queue(user) -> bool:
    return is_supervisor(user)


def can_decide_by_assessor_link(user, signoff_request, now, assessor_gmc: str | None = None) -> bool:
    """The holder of a live one-time link decides once; the trainee can never use a link on their own evidence."""
    entry = signoff_request.evidence
    if signoff_request.status != "pending" or signoff_request.token_hash is None or signoff_request.token_used_at:
        return False
    if signoff_request.expires_at is None or signoff_request.expires_at <= now:
        return False
    if not lifecycle.in_review(entry.status, current=entry.is_current) or owns_evidence(user, entry):
        return False
    if is_trainees_own_address(entry, signoff_request.assessor_email):
        return False
    profile = entry.trainee.trainee_profile
    return not (assessor_gmc and profile is not None and profile.gmc_number == assessor_gmc)


def can_read_notification(user, message) -> bool:
    return bool(user and user.is_authenticated and message.user_id == user.id)


def can_sign_off_stage(user, trainee_id: int) -> bool:
    """End-of-stage sign-off belongs to the trainee's educational supervisor."""
    return supervises(user, trainee_id, kind="educational")


def can_choose_sia(user, profile) -> bool:
    """A trainee chooses their own SIA while none is chosen; their director or an administrator sets or changes it."""
    if is_admin(user) or directs(user, profile.user_id):
        return True
    return is_trainee(user) and user.id == profile.user_id and profile.sia_stage_key is None


# --- exams, reviews and records kept by directors -----------------------------------------------


def can_record_exam_attempt(user, trainee_id: int) -> bool:
    return (is_trainee(user) and user.id == trainee_id) or directs(user, trainee_id) or is_admin(user)


def can_correct_exam_attempt(user, trainee_id: int) -> bool:
    return directs(user, trainee_id) or is_admin(user)


def can_correct_attempt(user, attempt) -> bool:
    """This recorded attempt, by whoever may correct its trainee's attempts."""
    return can_correct_exam_attempt(user, attempt.trainee_id)


def can_confirm_rapm(user, trainee_id: int) -> bool:
    return directs(user, trainee_id)


def can_record_exam_prerequisites(user, trainee_id: int) -> bool:
    """GMC registration and FPM membership: the trainee records their own; a director in scope may too."""
    return (is_trainee(user) and user.id == trainee_id) or directs(user, trainee_id)


def can_confirm_exam_prerequisites(user, trainee_id: int) -> bool:
    return directs(user, trainee_id)


def can_record_arcp(user, trainee_id: int) -> bool:
    return directs(user, trainee_id)


def can_manage_sittings(user) -> bool:
    return is_admin(user)


def can_record_mock_score(user, trainee_id: int) -> bool:
    """Mock scores are the trainee's own practice record."""
    return is_trainee(user) and user.id == trainee_id


def can_view_exam_pipeline(user) -> bool:
    return is_director(user) or is_admin(user)


def can_view_audit(user, trainee_id: int) -> bool:
    return directs(user, trainee_id) or is_admin(user)


# --- cohort review and administration (issue 6) -------------------------------------------------


def can_review_trainee(user, trainee_id: int) -> bool:
    """The read-only trainee review belongs to the trainee's directors and to administrators."""
    return is_admin(user) or directs(user, trainee_id)


def can_view_own_arcp(user) -> bool:
    return is_trainee(user)


def regional_roles_of(user) -> tuple[str, ...]:
    """The regional roles (Faculty Tutor (Pain), RAPM, College Tutor, Regional Adviser) this account holds: the
    roles it may be given regions for."""
    return tuple(role for role in REGIONAL_ROLES if _has(user, role))


def can_change_role_scopes(user, target) -> bool:
    """Region scopes of the regional roles are set by administrators on another account's page."""
    return can_change_account(user, target)


def can_change_account(user, target) -> bool:
    """Admins manage other accounts; never their own roles or active state, so nobody locks the last admin out."""
    return is_admin(user) and target is not None and target.id != user.id


# --- a region's own rules (local rules and programme suggestions) -------------------------------


def managed_rule_region_ids(user) -> Select | None:
    """The regions whose rules this user manages: those a director directs as a whole region (a cohort scope is not
    enough, as a region's rules reach every cohort in it); None means every region (administrators)."""
    if is_admin(user):
        return None
    if not is_director(user):
        return select(Region.id).where(False)
    return select(DirectorScope.region_id).where(DirectorScope.director_id == user.id, DirectorScope.region_id.is_not(None))


def can_manage_rules(user) -> bool:
    """The rules pages are for directors and administrators; each region's rules are checked by can_manage_region_rules."""
    return is_director(user) or is_admin(user)


def can_manage_region_rules(user, region) -> bool:
    if is_admin(user):
        return True
    if not is_director(user) or region is None:
        return False
    scope = select(DirectorScope.id).where(DirectorScope.director_id == user.id, DirectorScope.region_id == region.id)
    return db.session.execute(scope.limit(1)).first() is not None


def can_manage_local_rule(user, rule) -> bool:
    return can_manage_region_rules(user, rule.region)


# --- ARCP panels (trainee_portal.panels) ---------------------------------------------------------


def can_use_panels(user) -> bool:
    """The panels pages are for directors and administrators; each panel is checked by can_manage_panel."""
    return is_director(user) or is_admin(user)


def can_schedule_panel_for(user, region_id: int | None, cohort_id: int | None) -> bool:
    """A panel for a whole region: its whole-region directors and administrators. For one cohort: also that cohort's
    directors. (The caller checks that the cohort belongs to the region.)"""
    if is_admin(user):
        return True
    if not is_director(user) or region_id is None:
        return False
    in_scope = DirectorScope.region_id == region_id
    if cohort_id is not None:
        in_scope = or_(in_scope, DirectorScope.cohort_id == cohort_id)
    query = select(DirectorScope.id).where(DirectorScope.director_id == user.id, in_scope)
    return db.session.execute(query.limit(1)).first() is not None


def can_manage_panel(user, panel) -> bool:
    """Seeing a panel's trainees, exporting them and cancelling it: whoever may schedule a panel for its scope."""
    return panel is not None and can_schedule_panel_for(user, panel.region_id, panel.cohort_id)


def panel_trainee_ids(user) -> Select | None:
    """The trainees this user may put on a panel: those they direct, never themselves (an account may hold both
    roles), nor trainees they only supervise; None means every trainee (administrators)."""
    if is_admin(user):
        return None
    if not is_director(user):
        return select(TraineeProfile.user_id).where(False)
    return directed_trainee_ids(user.id).where(TraineeProfile.user_id != user.id)


def can_cancel_panel(user, panel) -> bool:
    """Cancelling a panel: whoever manages it, unless they are on it themselves (a trainee who also directs)."""
    if not can_manage_panel(user, panel):
        return False
    on_it = select(ArcpPanelTrainee.id).where(ArcpPanelTrainee.panel_id == panel.id, ArcpPanelTrainee.trainee_id == user.id)
    return db.session.execute(on_it.limit(1)).first() is None


def visible_panels(user) -> ColumnElement[bool] | None:
    """SQL: the panels this user may see (as can_manage_panel); None means every panel (administrators)."""
    if is_admin(user):
        return None
    if not is_director(user):
        return ArcpPanel.id.is_(None)
    whole = select(DirectorScope.region_id).where(DirectorScope.director_id == user.id, DirectorScope.region_id.is_not(None))
    cohorts = select(DirectorScope.cohort_id).where(DirectorScope.director_id == user.id, DirectorScope.cohort_id.is_not(None))
    return or_(ArcpPanel.region_id.in_(whole), and_(ArcpPanel.cohort_id.is_not(None), ArcpPanel.cohort_id.in_(cohorts)))


def can_set_panel_settings(user, region) -> bool:
    """A region's nation and cut-off working days: its whole-region directors and administrators."""
    return can_manage_region_rules(user, region)


# --- HALOs (competencies.halo) ------------------------------------------------------------------


def halo_region_ids(user) -> Select:
    """The regions whose trainees' HALOs this user signs: those they hold as Faculty Tutor (Pain) or RAPM, while
    they still hold that role."""
    if not (user and user.is_authenticated):
        return select(RoleScope.region_id).where(False)
    held = [role for role in halo.SIGNING_ROLES if user.has_role(role)]
    return select(RoleScope.region_id).where(RoleScope.user_id == user.id, RoleScope.role.in_(held))


def is_halo_reviewer(user) -> bool:
    """A Faculty Tutor (Pain) or RAPM (of any region): the HALO queue is theirs."""
    return any(_has(user, role) for role in halo.SIGNING_ROLES)


def reviews_halos_of(user, trainee_id: int) -> bool:
    """A Faculty Tutor (Pain) or RAPM whose region scope holds the trainee, never the trainee themself."""
    if not is_halo_reviewer(user) or user.id == trainee_id:
        return False
    query = select(TraineeProfile.user_id).where(
        TraineeProfile.user_id == trainee_id, TraineeProfile.region_id.in_(halo_region_ids(user))
    )
    return db.session.execute(query.limit(1)).first() is not None


def can_use_halo_queue(user) -> bool:
    return is_halo_reviewer(user)


def can_request_halo(user, trainee_id: int) -> bool:
    """Trainees ask for their own HALOs only."""
    return is_trainee(user) and user.id == trainee_id


def can_view_halo(user, halo_request) -> bool:
    """The trainee, whoever may decide it, and those who may see the trainee's record."""
    return (
        (is_trainee(user) and user.id == halo_request.trainee_id)
        or reviews_halos_of(user, halo_request.trainee_id)
        or can_view_trainee(user, halo_request.trainee_id)
    )


def can_decide_halo(user, halo_request) -> bool:
    """Only an open request, only by a Faculty Tutor (Pain) or RAPM of the trainee's region, never the trainee's own
    (a plain supervisor or director without the role never decides one)."""
    return halo.may_decide(halo_request.status) and reviews_halos_of(user, halo_request.trainee_id)


def can_withdraw_halo(user, halo_request) -> bool:
    return halo.may_withdraw(halo_request.status) and is_trainee(user) and user.id == halo_request.trainee_id


def can_view_halo_evidence(user, entry) -> bool:
    """A HALO reviewer opens a piece of evidence a request from their region names (the request lists it)."""
    return reviews_halos_of(user, entry.trainee_id) and (
        db.session.execute(select(HaloEvidence.request_id).where(HaloEvidence.evidence_id == entry.id).limit(1)).first()
        is not None
    )


# --- training time: LTFT, leave and time out of programme ---------------------------------------


def can_keep_training_periods(user, trainee_id: int) -> bool:
    """A trainee's LTFT, leave and OOP periods are kept by the administrator or a director of their region or cohort;
    the trainee and their supervisors see them (can_view_trainee), read-only."""
    return is_admin(user) or directs(user, trainee_id)


def can_keep_training_period(user, period) -> bool:
    """This recorded period, by whoever keeps its trainee's periods."""
    return can_keep_training_periods(user, period.trainee_id)


def can_move_curriculum(user, trainee_id: int) -> bool:
    """Moving a trainee to another curriculum version belongs to administrators and the trainee's directors."""
    return is_admin(user) or directs(user, trainee_id)


# --- ARCP panel packs ---------------------------------------------------------------


def can_view_panel_pack_of(user, trainee_id: int) -> bool:
    """A trainee's panel packs are theirs to read, and their directors' and administrators' (as the review is)."""
    return (is_trainee(user) and user.id == trainee_id) or can_review_trainee(user, trainee_id)


def can_view_panel_pack(user, pack) -> bool:
    return can_view_panel_pack_of(user, pack.trainee_id)


def can_record_pack_outcome(user, pack) -> bool:
    """The trainee's directors record the panel's outcome against the pack (never the trainee, even one who also
    holds a director role: directs() already refuses a user their own record), and only while its panel stands: a
    cancelled panel decides nothing."""
    return pack.panel.cancelled_at is None and can_record_arcp(user, pack.trainee_id)


# --- form drafts --------------------------------------------------------------------------------


def can_keep_form_draft(user, kind: str, record=None) -> bool:
    """A draft of a form is kept only for someone who may fill that form in now: their own new or editable evidence,
    a sign-off or HALO decision that is theirs to make, their own HALO request. `record` is what the key names."""
    if not is_signed_in(user):
        return False
    if kind == "evidence-new":
        return can_record_evidence(user)
    if record is None:
        return False
    if kind == "halo-ask":
        return can_request_halo(user, user.id)  # record: a stage of theirs that closes by a HALO
    if kind == "evidence-edit":
        return can_edit_evidence(user, record)
    if kind == "signoff":
        return can_decide_signoff(user, record)
    if kind == "halo-decide":
        return can_decide_halo(user, record)
    return False


def authorize_or_hide(allowed: bool) -> None:
    """authorize(), answering 404 instead of 403: a draft's key names records, and a refusal must not say which
    exist."""
    g.policy_decisions = g.get("policy_decisions", 0) + 1
    if not allowed:
        abort(404)


# --- multi-source feedback rounds (trainee_portal.msf) -------------------------------------------


def can_use_msf(user) -> bool:
    """The MSF pages: trainees run their rounds, supervisors see their educational trainees' rounds."""
    return is_trainee(user) or is_supervisor(user)


def can_start_msf_round(user) -> bool:
    return is_trainee(user)


def owns_msf_round(user, msf_round) -> bool:
    return bool(user and user.is_authenticated and msf_round.trainee_id == user.id and is_trainee(user))


def supervises_msf_round(user, msf_round) -> bool:
    """The trainee's current educational supervisor oversees, comments on and releases their MSF."""
    return supervises(user, msf_round.trainee_id, kind="educational")


def can_view_msf_round(user, msf_round) -> bool:
    return owns_msf_round(user, msf_round) or supervises_msf_round(user, msf_round)


def can_nominate_msf_rater(user, msf_round) -> bool:
    """The trainee adds raters while the round collects feedback."""
    return owns_msf_round(user, msf_round) and msf.may_nominate(msf_round.status)


def is_msf_trainees_own_address(msf_round, email: str | None) -> bool:
    """A rater address that reaches the trainee's own mailbox: nobody rates themselves."""
    address = mailbox(email)
    known = db.session.scalars(select(User.email).where(User.id == msf_round.trainee_id)).all()
    return any(address == mailbox(email_known) for email_known in known)


def can_see_msf_results(user, msf_round) -> bool:
    """The educational supervisor reads the collated result as it gathers; the trainee once it is released."""
    if supervises_msf_round(user, msf_round):
        return True
    return owns_msf_round(user, msf_round) and msf_round.status == msf.RELEASED


def can_decide_msf_round(user, msf_round) -> bool:
    """Release or close early: the trainee's educational supervisor, while the round collects feedback."""
    return msf.may_release(msf_round.status) and supervises_msf_round(user, msf_round)


def can_answer_msf(user, rater, now) -> bool:
    """The holder of a live rater link answers once; never the trainee, signed in or by their own address."""
    msf_round = rater.round
    if not msf.may_answer(msf_round.status) or rater.token_hash is None or rater.responded_at is not None:
        return False
    if rater.expires_at is None or rater.expires_at <= now:
        return False
    if user and user.is_authenticated and user.id == msf_round.trainee_id:
        return False
    return not is_msf_trainees_own_address(msf_round, rater.email)


# --- signing in person and new assessor links (trainee_portal.signoff.in_person, .reissue) ---------------------


def can_set_signing_pin(user) -> bool:
    """Supervisors keep an in-person sign-off PIN in their own account."""
    return is_supervisor(user)


def can_sign_in_person(user, signoff_request) -> bool:
    """The trainee, signed in on their own device, hands it to the request's named supervisor, who signs there with
    their PIN. Never for an outside assessor's request, never when that supervisor is the trainee or no longer
    supervises them (can_decide_signoff asks all of that of the supervisor)."""
    supervisor = signoff_request.supervisor
    return (
        owns_evidence(user, signoff_request.evidence)
        and supervisor is not None
        and supervisor.active
        and supervisor.id != user.id
        and lifecycle.in_review(signoff_request.evidence.status, current=signoff_request.evidence.is_current)
        and can_decide_signoff(supervisor, signoff_request)
    )


def can_disown_signature(user, signoff) -> bool:
    """A supervisor voids a signature given in person in their name (in case it was not them); only theirs, once."""
    return (
        bool(user and user.is_authenticated)
        and signoff.method == "in_person_pin"
        and signoff.signer_id == user.id
        and signoff.voided_at is None
        and signoff.evidence.is_current
    )


def can_reissue_assessor_link(user, signoff_request) -> bool:
    """The trainee sends a pending outside assessor's request a new link (the old one dies)."""
    return (
        signoff_request.status == "pending"
        and signoff_request.assessor_email is not None
        and owns_evidence(user, signoff_request.evidence)
        and lifecycle.in_review(signoff_request.evidence.status, current=signoff_request.evidence.is_current)
    )


def can_allow_more_reissues(user, signoff_request) -> bool:
    """A training director whose scope covers the trainee allows more new links for one pending assessor request."""
    return (
        signoff_request.status == "pending"
        and signoff_request.assessor_email is not None
        and is_director(user)
        and not owns_evidence(user, signoff_request.evidence)
        and directs(user, signoff_request.evidence.trainee_id)
    )


# --- logbook imports (trainee_portal.imports) ---------------------------------------------------


def can_import_logbook(user) -> bool:
    """A trainee imports into their own logbook only."""
    return can_record_evidence(user) and can_receive_logbook_import(user)


def can_view_import(user, job) -> bool:
    """An import's progress, result and problems are its trainee's alone: they show what the file held."""
    return can_import_logbook(user) and job.trainee_id == user.id


# --- sign-off requests waiting on supervisors (trainee_portal.signoff.waiting) -------------------


def can_view_waiting_signoffs(user) -> bool:
    """The list of sign-off requests waiting on supervisors, from the trainees the user may see (visible_trainee_ids):
    for training directors and administrators, as the cohort dashboard is."""
    return can_use_cohort_dashboard(user)


def can_view_supervisor_waits(user, supervisor) -> bool:
    """One supervisor's waiting requests (?supervisor=ID), named on the page: only a supervisor who supervises, or
    supervised, a trainee the user may see, or is asked by one; another region's supervisors stay unknown."""
    if not can_view_waiting_signoffs(user) or not is_supervisor(supervisor):
        return False
    visible = visible_trainee_ids(user)
    if visible is None:
        return True
    assigned = select(SupervisorAssignment.id).where(
        SupervisorAssignment.supervisor_id == supervisor.id, SupervisorAssignment.trainee_id.in_(visible)
    )
    asked = select(SignOffRequest.id).where(
        SignOffRequest.supervisor_id == supervisor.id, SignOffRequest.requested_by_id.in_(visible)
    )
    return bool(db.session.scalar(select(assigned.exists())) or db.session.scalar(select(asked.exists())))


# --- the JSON API's personal access tokens (trainee_portal.api) ----------------------------------


def api_scopes_for(user) -> tuple[str, ...]:
    """The token scopes a user may grant: each only where their roles reach the pages it stands for. A token never
    does more than its owner may; a scope only narrows what the owner's roles allow."""
    if not is_signed_in(user):
        return ()
    allowed = {
        "read": True,
        "evidence:write": can_record_evidence(user),
        "signoff": can_use_signoff_queue(user),
        "cohort:read": can_use_cohort_dashboard(user) or can_use_panels(user),
    }
    return tuple(name for name, ok in allowed.items() if ok)


def can_manage_api_tokens(user) -> bool:
    """Everyone signed in keeps their own tokens on their account page."""
    return is_signed_in(user)


def can_revoke_api_token(user, token) -> bool:
    """The owner revokes their own token; an administrator revokes anyone's."""
    return is_signed_in(user) and (token.user_id == user.id or is_admin(user))


def can_list_all_api_tokens(user) -> bool:
    return is_admin(user)


def token_allows(token, scope: str) -> bool:
    """A live API token carries the scope; the owner's roles are asked separately, by the same rules as the pages."""
    return token is not None and token.has_scope(scope) and scope in api_scopes_for(token.user)


def owns_api_token(user, token) -> bool:
    """A token on the account page is the signed-in user's own; anyone else's is not found there."""
    return is_signed_in(user) and token.user_id == user.id


def was_asked_to_sign(user, signoff_request) -> bool:
    """The supervisor this request was sent to, still assigned to the trainee and not its owner: the one who decides
    it while it waits (can_decide_signoff adds "still pending"). The API asks this before it tells them a request
    changed or was withdrawn; anyone else who may see the request is simply refused."""
    if not (user and user.is_authenticated) or signoff_request.supervisor_id is None:
        return False
    trainee_id = signoff_request.evidence.trainee_id
    return user.id == signoff_request.supervisor_id and trainee_id != user.id and supervises(user, trainee_id)
