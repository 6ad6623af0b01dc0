"""Account changes an administrator makes: invitations, roles, (de)activation, deletion and trainee profiles."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from trainee_portal import audit, policy
from trainee_portal.auth import reset
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage, PasswordResetToken, TraineeProfile, User
from trainee_portal.notifications.outbox import app_path, external_url, notify
from trainee_portal.passwords import hash_password
from trainee_portal.security import end_every_session

# Rows that belong to the account itself and go with it; a reference from any other table is a record
# (evidence, signatures, decisions, audit…) and keeps the account from being deleted.
OWNED_TABLES = {
    "user_role",
    "trainee_profile",
    "supervisor_assignment",
    "director_scope",
    "outbox_message",
    "evidence_tally",
    "trainee_progress",
    "password_reset_token",
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
    audit.append(
        "account.invited",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        payload={"email": user.email, "roles": sorted(roles)},
    )
    return user, temporary


def change_roles(actor: User, user: User, roles: list[str]) -> None:
    if not policy.can_change_account(actor, user):
        raise AccountError("You cannot change your own roles; ask another administrator.")
    if "trainee" in roles and user.trainee_profile is None:
        raise AccountError("Add a trainee profile (GMC number, curriculum, region) before giving the trainee role.")
    before = list(user.role_names)
    user.set_roles(roles)
    audit.append(
        "account.roles_changed",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        payload={"before": before, "after": sorted(roles)},
    )


def set_active(actor: User, user: User, active: bool) -> None:
    if not policy.can_change_account(actor, user):
        raise AccountError("You cannot deactivate your own account.")
    user.active = active
    end_every_session(user)  # a deactivated account's sessions never come back on reactivation
    audit.append(
        "account.reactivated" if active else "account.deactivated",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        payload={"email": user.email},
    )


def send_password_reset(actor: User, user: User) -> None:
    """Queue a single-use reset link to the account's email and end its sessions (the caller commits)."""
    if not policy.can_change_account(actor, user):
        raise AccountError("Change your own password from your account page instead.")
    if not user.active:
        raise AccountError("This account is deactivated: reactivate it before sending a password reset link.")
    reset.queue_link(user, issued_by=actor)
    end_every_session(user)
    audit.append(
        "account.password_reset_sent", actor=actor, subject_type="user", subject_id=user.id, payload={"email": user.email}
    )


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
    from sqlalchemy import delete as sql_delete
    from sqlalchemy import or_

    from trainee_portal.models import DirectorScope, EvidenceTally, SupervisorAssignment, TraineeProgress, UserRole

    email, user_id = user.email, user.id
    for model, condition in (
        (SupervisorAssignment, or_(SupervisorAssignment.supervisor_id == user.id, SupervisorAssignment.trainee_id == user.id)),
        (DirectorScope, DirectorScope.director_id == user.id),
        (OutboxMessage, OutboxMessage.user_id == user.id),
        (PasswordResetToken, or_(PasswordResetToken.user_id == user.id, PasswordResetToken.issued_by_id == user.id)),
        (EvidenceTally, EvidenceTally.trainee_id == user.id),
        (TraineeProgress, TraineeProgress.trainee_id == user.id),
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
        if not user.has_role("trainee"):
            user.set_roles([*user.role_names, "trainee"])
    else:
        for key, value in values.items():
            setattr(profile, key, value)
    db.session.flush()
    if not created:
        from trainee_portal import progress

        progress.refresh_trainee(user.id)  # the curriculum version may have changed
    audit.append(
        "profile.created" if created else "profile.changed",
        actor=actor,
        subject_type="trainee_profile",
        subject_id=user.id,
        payload={k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()},
    )


def profile_values(form) -> dict:
    return {name: form[name].data for name in (*form.PROFILE_FIELDS, "cohort_id")}
