"""What an administrator changes: accounts (invitations, roles, (de)activation, deletion, trainee profiles) and
curriculum uploads (validate a file, describe how it differs from an existing version, activate it)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, or_, select, update

from competencies import EXAM_RULE_NAMES, Curriculum, CurriculumError, ValidationIssue, load_curriculum_text, load_registry
from trainee_portal import audit, curricula, policy
from trainee_portal.auth import reset
from trainee_portal.extensions import db
from trainee_portal.models import (
    CurriculumUpload,
    DirectorScope,
    EvidenceTally,
    EvidenceWeek,
    OutboxMessage,
    PasswordResetToken,
    RoleScope,
    SupervisorAssignment,
    TraineeProfile,
    TraineeProgress,
    TraineeSummary,
    User,
    UserRole,
)
from trainee_portal.notifications.outbox import app_path, external_url, notify
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.passwords import hash_password
from trainee_portal.platform.security import end_every_session
from trainee_portal.summaries import progress

# Rows that belong to the account itself and go with it; a reference from any other table is a record
# (evidence, signatures, decisions, audit…) and keeps the account from being deleted.
OWNED_TABLES = {
    "user_role",
    "trainee_profile",
    "supervisor_assignment",
    "director_scope",
    "role_scope",
    "outbox_message",
    "evidence_tally",
    "evidence_week",
    "trainee_progress",
    "trainee_summary",
    "password_reset_token",
    "form_draft",  # unsaved typing, nothing decided: deleted with the account (ON DELETE CASCADE)
}


class AccountError(Exception):
    """A change that breaks a rule; the message says what to do instead."""


def email_taken(email: str, except_id: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(func.lower(User.email) == email.lower())
    if except_id:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) > 0


def gmc_taken(gmc: str, except_id: int | None = None) -> bool:
    query = select(func.count()).select_from(TraineeProfile).where(TraineeProfile.gmc_number == gmc)
    if except_id:
        query = query.where(TraineeProfile.user_id != except_id)
    return db.session.scalar(query) > 0


def invite(actor: User, email: str, name: str, roles: list[str], profile: dict | None) -> tuple[User, str]:
    """Create the account with a one-time temporary password and queue the invitation email."""
    temporary = secrets.token_urlsafe(12)
    user = User(email=email.lower(), name=name, password_hash=hash_password(temporary), must_change_password=True)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    if profile is not None:
        db.session.add(TraineeProfile(user_id=user.id, **profile))
        db.session.flush()
        progress.refresh_trainee(user.id)  # a row per stage from the start, as a recompute makes them
    notify(
        user=user,
        category="account.invited",
        link=app_path("auth.login"),
        subject="Your Pain Medicine training portfolio account",
        body=(
            f"Dear {name},\n\nAn account has been created for you on the Pain Medicine training portfolio at "
            f"{external_url('auth.login')}. Your administrator will give you a temporary password; you will choose "
            "your own when you first sign in.\n"
        ),
    )
    # Account events name the account only as their subject (no trainee_id link), so a mistaken
    # invitation can still be deleted while it has no records of its own.
    audit.record("account.invited", user, {"email": user.email, "roles": sorted(roles)}, actor=actor)
    return user, temporary


def change_roles(actor: User, user: User, roles: list[str]) -> None:
    if not policy.can_change_account(actor, user):
        raise AccountError("You cannot change your own roles; ask another administrator.")
    if policy.roles_need_profile(roles) and user.trainee_profile is None:
        raise AccountError("Add a trainee profile (GMC number, curriculum, region) before giving the trainee role.")
    before = list(user.role_names)
    user.set_roles(roles)
    audit.record("account.roles_changed", user, {"before": before, "after": sorted(roles)}, actor=actor)


def add_role_scope(actor: User, user: User, role: str, region_id: int) -> RoleScope:
    """The person holds a regional role they have for one more region; a region held already is refused."""
    if not policy.can_change_role_scopes(actor, user):
        raise AccountError("You cannot change your own regions; ask another administrator.")
    if role not in policy.regional_roles_of(user):
        raise AccountError(f"Give {user.name} the role first, then choose its regions.")
    taken = select(RoleScope.id).where(RoleScope.user_id == user.id, RoleScope.role == role, RoleScope.region_id == region_id)
    if db.session.scalar(taken) is not None:
        raise AccountError(f"{user.name} already holds this role for this region.")
    scope = RoleScope(user_id=user.id, role=role, region_id=region_id)
    db.session.add(scope)
    db.session.flush()
    audit.record("role_scope.added", scope, {"user_id": user.id, "role": role, "region_id": region_id}, actor=actor)
    return scope


def remove_role_scope(actor: User, scope: RoleScope) -> None:
    if not policy.can_change_role_scopes(actor, scope.user):
        raise AccountError("You cannot change your own regions; ask another administrator.")
    audit.record(
        "role_scope.removed", scope, {"user_id": scope.user_id, "role": scope.role, "region_id": scope.region_id}, actor=actor
    )
    db.session.delete(scope)


def set_active(actor: User, user: User, active: bool) -> None:
    if not policy.can_change_account(actor, user):
        raise AccountError("You cannot deactivate your own account.")
    user.active = active
    end_every_session(user)  # a deactivated account's sessions never come back on reactivation
    audit.record("account.reactivated" if active else "account.deactivated", user, {"email": user.email}, actor=actor)


def send_password_reset(actor: User, user: User) -> None:
    """Queue a single-use reset link to the account's email and end its sessions (the caller commits)."""
    if not policy.can_change_account(actor, user):
        raise AccountError("Change your own password from your account page instead.")
    if not user.active:
        raise AccountError("This account is deactivated: reactivate it before sending a password reset link.")
    reset.queue_link(user, issued_by=actor)
    end_every_session(user)
    audit.record("account.password_reset_sent", user, {"email": user.email}, actor=actor)


def records_of(user_id: int) -> dict[str, int]:
    """Rows in other tables that refer to this account, by table; any of them keeps the account from deletion."""
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in OWNED_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "user" and fk.column.name == "id":
                n = db.session.scalar(select(func.count()).select_from(table).where(fk.parent == user_id))
                if n:
                    found[table.name] = found.get(table.name, 0) + n
    return found


def delete(actor: User, user: User) -> None:
    """Only accounts without any records go; everyone else is deactivated instead, keeping the history intact."""
    if not policy.can_change_account(actor, user):
        raise AccountError("You cannot delete your own account.")
    records = records_of(user.id)
    if records:
        raise AccountError(
            "This account has records ("
            + ", ".join(t.replace("_", " ") for t in sorted(records))
            + ") and can never be deleted. Deactivate it instead."
        )
    email, user_id = user.email, user.id
    for model, condition in (
        (SupervisorAssignment, or_(SupervisorAssignment.supervisor_id == user.id, SupervisorAssignment.trainee_id == user.id)),
        (DirectorScope, DirectorScope.director_id == user.id),
        (RoleScope, RoleScope.user_id == user.id),
        (OutboxMessage, OutboxMessage.user_id == user.id),
        (PasswordResetToken, or_(PasswordResetToken.user_id == user.id, PasswordResetToken.issued_by_id == user.id)),
        (EvidenceTally, EvidenceTally.trainee_id == user.id),
        (EvidenceWeek, EvidenceWeek.trainee_id == user.id),
        (TraineeProgress, TraineeProgress.trainee_id == user.id),
        (TraineeSummary, TraineeSummary.trainee_id == user.id),
        (TraineeProfile, TraineeProfile.user_id == user.id),
        (UserRole, UserRole.user_id == user.id),
    ):
        db.session.execute(sql_delete(model).where(condition))
    db.session.expunge(user)
    db.session.execute(sql_delete(User).where(User.id == user.id))
    audit.append("account.deleted", actor=actor, subject_type="user", subject_id=user_id, payload={"email": email})


def save_profile(actor: User, user: User, values: dict) -> None:
    """Create or update the trainee profile; a new profile also gives the trainee role."""
    profile = user.trainee_profile
    created = profile is None
    if created:
        profile = TraineeProfile(user_id=user.id, **values)
        db.session.add(profile)
        user.set_roles([*user.role_names, "trainee"])  # the roles it had stay
    else:
        for key, value in values.items():
            setattr(profile, key, value)
    db.session.flush()
    progress.refresh_trainee(user.id)  # a new profile's stages, or the curriculum version may have changed
    audit.append(
        "profile.created" if created else "profile.changed",
        subject_type="trainee_profile",
        subject_id=user.id,
        payload={k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()},
        actor=actor,
    )


def profile_values(form) -> dict:
    return {name: form[name].data for name in (*form.PROFILE_FIELDS, "cohort_id")}


MAX_BYTES = 1024 * 1024


@lru_cache(maxsize=1)
def shipped_versions() -> tuple[str, ...]:
    return load_registry().versions()


def parse_upload(filename: str, raw: bytes) -> Curriculum:
    """The curriculum in an uploaded file; CurriculumError lists every problem with its place in the file."""
    if len(raw) > MAX_BYTES:
        raise CurriculumError([ValidationIssue(filename, "(file)", "the file is larger than 1 MB")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CurriculumError([ValidationIssue(filename, "(file)", "not a UTF-8 text file; save it as UTF-8 TOML")]) from None
    curriculum = load_curriculum_text(text, filename)
    if curriculum.version in shipped_versions():
        raise CurriculumError(
            [
                ValidationIssue(
                    filename,
                    "curriculum.version",
                    f"version {curriculum.version} ships with the application and cannot be replaced; give the upload a new version, e.g. {curriculum.version}.1",
                )
            ]
        )
    return curriculum


def save_draft(actor: User, filename: str, raw: bytes, curriculum: Curriculum) -> CurriculumUpload:
    upload = CurriculumUpload(
        version=curriculum.version, filename=filename[:200], content=raw.decode("utf-8"), status="draft", uploaded_by_id=actor.id
    )
    db.session.add(upload)
    return upload


@dataclass
class Change:
    key: str
    name: str
    fields: list[str] = field(default_factory=list)


@dataclass
class Diff:
    against: str | None
    stages_added: list[Change] = field(default_factory=list)
    stages_removed: list[Change] = field(default_factory=list)
    stages_changed: list[Change] = field(default_factory=list)
    competencies_added: list[Change] = field(default_factory=list)
    competencies_removed: list[Change] = field(default_factory=list)
    competencies_changed: list[Change] = field(default_factory=list)
    exam_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.stages_added,
                self.stages_removed,
                self.stages_changed,
                self.competencies_added,
                self.competencies_removed,
                self.competencies_changed,
                self.exam_changed,
            )
        )


STAGE_FIELDS = ("name", "level", "order", "when", "duration", "min_weeks", "max_weeks", "status", "aim", "sources")
COMPETENCY_FIELDS = ("title", "description", "themes", "exam_relevant", "sources", "evidence", "domain_key", "stage_key")
FIELD_LABELS = {
    "evidence": "evidence rules",
    "domain_key": "domain",
    "stage_key": "stage",
    "exam_relevant": "exam relevance",
    "min_weeks": "minimum weeks",
    "max_weeks": "maximum weeks",
}


def _changed(old, new, names) -> list[str]:
    return [FIELD_LABELS.get(n, n.replace("_", " ")) for n in names if getattr(old, n) != getattr(new, n)]


def _compare(old_items, new_items, *, key: str, label: str, compared) -> tuple[list[Change], list[Change], list[Change]]:
    """What was added, removed and changed (in which of the `compared` fields) between two lists of curriculum parts."""
    old = {getattr(item, key): item for item in old_items}
    new = {getattr(item, key): item for item in new_items}
    added = [Change(k, getattr(item, label)) for k, item in new.items() if k not in old]
    removed = [Change(k, getattr(item, label)) for k, item in old.items() if k not in new]
    changed = [
        Change(k, getattr(item, label), fields)
        for k, item in new.items()
        if k in old and (fields := _changed(old[k], item, compared))
    ]
    return added, removed, changed


def diff(new: Curriculum, old: Curriculum | None) -> Diff:
    result = Diff(old.version if old else None)
    if old is None:
        result.stages_added = [Change(s.key, s.name) for s in new.stages]
        result.competencies_added = [Change(c.code, c.title) for c in new.competencies]
        return result
    result.stages_added, result.stages_removed, result.stages_changed = _compare(
        old.stages, new.stages, key="key", label="name", compared=STAGE_FIELDS
    )
    result.competencies_added, result.competencies_removed, result.competencies_changed = _compare(
        old.competencies, new.competencies, key="code", label="title", compared=COMPETENCY_FIELDS
    )
    result.exam_changed = [n.replace("_", " ") for n in EXAM_RULE_NAMES if getattr(old.exam, n) != getattr(new.exam, n)]
    return result


def default_comparison(version: str) -> str | None:
    """Compare with the same version when one is live, else with the newest version in use."""
    registry = curricula.registry()
    if version in registry:
        return version
    versions = registry.versions()
    return versions[-1] if versions else None


def activate(actor: User, upload: CurriculumUpload) -> int:
    """Make the upload the live version (retiring an earlier upload of it), reload, refresh its trainees' progress."""
    db.session.execute(
        update(CurriculumUpload)
        .where(CurriculumUpload.version == upload.version, CurriculumUpload.status == "active", CurriculumUpload.id != upload.id)
        .values(status="retired")
    )
    upload.status = "active"
    upload.activated_at = utcnow()
    audit.record("curriculum.activated", upload, {"version": upload.version, "filename": upload.filename}, actor=actor)
    db.session.flush()
    curricula.registry(force=True)
    trainee_ids = db.session.scalars(
        select(TraineeProfile.user_id).where(TraineeProfile.curriculum_version == upload.version)
    ).all()
    for trainee_id in trainee_ids:
        progress.refresh_trainee(trainee_id)  # stage results follow the new rules at once
    return len(trainee_ids)
