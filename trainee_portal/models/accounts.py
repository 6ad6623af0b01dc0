"""People and their relations: users and roles, trainee profiles, regions and cohorts, supervision, director scope."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, validates

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow

ROLES = ("trainee", "supervisor", "director", "admin", "faculty_tutor", "rapm", "college_tutor", "regional_adviser")
ROLE_LABELS = {
    "trainee": "Trainee",
    "supervisor": "Supervisor",
    "director": "Training director",
    "admin": "Administrator",
    "faculty_tutor": "Faculty Tutor (Pain)",
    "rapm": "Regional Advisor in Pain Medicine",
    "college_tutor": "College Tutor",
    "regional_adviser": "Regional Adviser (Anaesthesia)",
}
# Roles held for one or more regions (RoleScope): the people who sign HALOs and certificates for a region's trainees.
REGIONAL_ROLES = ("faculty_tutor", "rapm", "college_tutor", "regional_adviser")


def name_key(name: str) -> str:
    """The form two names are compared in: Unicode-normalised (NFKC), case-folded, normalised again (folding can
    leave a string unnormalised: 'ΐ' folds to three code points, 'Ϊ́' to two), inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").casefold()).split())


class Region(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Unique in the database: names equal but for case (any script) or spacing are one name.
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    # Email domains (one per line, e.g. nhs.net) whose outside assessors' signatures count without confirmation.
    trusted_assessor_domains: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The UK nation whose bank holidays count when ARCP cut-offs are worked out (england, scotland, wales,
    # northern_ireland), and how many working days before a panel its evidence cut-off falls.
    nation: Mapped[str] = mapped_column(String(20), default="england", server_default="england")
    arcp_cutoff_working_days: Mapped[int] = mapped_column(default=10, server_default="10")

    cohorts: Mapped[list[Cohort]] = relationship(back_populates="region", order_by="Cohort.name")

    @validates("name")
    def _keep_key(self, _field, value):
        self.name_key = name_key(value)
        return value

    @property
    def trusted_domains(self) -> tuple[str, ...]:
        return tuple(
            d.strip().lower().lstrip("@") for d in (self.trusted_assessor_domains or "").replace(",", "\n").split() if d.strip()
        )


class Cohort(db.Model):
    __table_args__ = (
        UniqueConstraint("region_id", "name", name="uq_cohort_region_name"),
        UniqueConstraint("region_id", "name_key", name="uq_cohort_region_name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    intake_year: Mapped[int | None]

    region: Mapped[Region] = relationship(back_populates="cohorts")

    @validates("name")
    def _keep_key(self, _field, value):
        self.name_key = name_key(value)
        return value


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Bumped on sign-out and password change; a session carrying an older number is refused on its next request.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )
    trainee_profile: Mapped[TraineeProfile | None] = relationship(
        back_populates="user", foreign_keys="TraineeProfile.user_id", uselist=False
    )

    @classmethod
    def session_load_options(cls) -> tuple:
        """Loader options for the signed-in user, fetched once per request: the roles every access question reads
        and a trainee's own profile, in the user's one statement."""
        return (joinedload(cls.roles), joinedload(cls.trainee_profile))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(r.role for r in sorted(self.roles, key=lambda r: ROLES.index(r.role)))

    def has_role(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)

    def set_roles(self, roles) -> None:
        wanted = [r for r in ROLES if r in set(roles)]
        self.roles = [r for r in self.roles if r.role in wanted] + [UserRole(role=r) for r in wanted if not self.has_role(r)]

    @property
    def role_label(self) -> str:
        return ", ".join(ROLE_LABELS[r] for r in self.role_names)


class UserRole(db.Model):
    __table_args__ = (
        CheckConstraint(
            "role IN ('trainee','supervisor','director','admin','faculty_tutor','rapm','college_tutor','regional_adviser')",
            name="known_role",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class TraineeProfile(db.Model):
    __table_args__ = (Index("ix_trainee_profile_region_cohort", "region_id", "cohort_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    gmc_number: Mapped[str] = mapped_column(String(7), unique=True)
    curriculum_version: Mapped[str] = mapped_column(String(20))
    current_stage: Mapped[str] = mapped_column(String(20))  # one of the four stage levels
    # The SIA the trainee follows at the advanced slot, where their curriculum offers several (2021); None: not chosen.
    sia_stage_key: Mapped[str | None] = mapped_column(String(30))
    programme_start: Mapped[date]
    stage_started_on: Mapped[date]
    # Read model kept by training_time.services: the current stage's trajectory end in training time (None: no
    # training periods, the curriculum length applies), so the cohort's SQL "behind" flag counts LTFT and leave.
    stage_ends_on: Mapped[date | None]
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"), index=True)
    last_activity_at: Mapped[datetime | None]  # maintained on every evidence write

    user: Mapped[User] = relationship(back_populates="trainee_profile", foreign_keys=[user_id])
    region: Mapped[Region] = relationship()
    cohort: Mapped[Cohort | None] = relationship()


class SupervisorAssignment(db.Model):
    __table_args__ = (
        CheckConstraint("kind IN ('educational','clinical')", name="known_kind"),
        CheckConstraint("supervisor_id <> trainee_id", name="not_self"),
        Index("ix_supervisor_assignment_supervisor", "supervisor_id", "trainee_id"),
        Index("ix_supervisor_assignment_trainee", "trainee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(12), default="educational")
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])


class DirectorScope(db.Model):
    """A director sees every trainee of a region, or of one cohort."""

    __table_args__ = (
        CheckConstraint("region_id IS NOT NULL OR cohort_id IS NOT NULL", name="region_or_cohort"),
        Index("ix_director_scope_director", "director_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    director_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"))

    director: Mapped[User] = relationship()
    region: Mapped[Region | None] = relationship()
    cohort: Mapped[Cohort | None] = relationship()


class RoleScope(db.Model):
    """The region a regional role is held for: one row per (user, role, region).

    Its own table rather than DirectorScope's shape: these roles are held per region only (a Faculty Tutor or RAPM
    serves a school, never a single cohort), one person may hold several of them for different regions, and the
    role is part of the row so that dropping the role from the account can never leave a scope granting it.
    The policy (policy.halo_region_ids) reads it; the administrator adds and removes rows on the user's page.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "role", "region_id", name="uq_role_scope_user_role_region"),
        CheckConstraint("role IN ('faculty_tutor','rapm','college_tutor','regional_adviser')", name="regional_role"),
        Index("ix_role_scope_region_role", "region_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))

    user: Mapped[User] = relationship()
    region: Mapped[Region] = relationship()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


class PasswordResetToken(db.Model):
    """A single-use, short-lived password reset link; only the SHA-256 of its token is kept."""

    __table_args__ = (Index("ix_password_reset_token_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # an administrator, or None when self-served

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginFailure(db.Model):
    """One failed sign-in, counted per address and per account by every worker (the shared throttle's store)."""

    __table_args__ = (
        CheckConstraint("scope IN ('address','account')", name="known_scope"),
        Index("ix_login_failure_scope_key_at", "scope", "key", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the address or the lower-cased email
    at: Mapped[datetime] = mapped_column(default=utcnow)
