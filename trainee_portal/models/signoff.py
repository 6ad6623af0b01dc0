"""Sign-off requests to supervisors or outside assessors, the signatures they give, and end-of-stage sign-offs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class SignOffRequest(db.Model):
    __table_args__ = (
        CheckConstraint("status IN ('pending','signed','returned','cancelled','expired')", name="known_status"),
        CheckConstraint("supervisor_id IS NOT NULL OR assessor_email IS NOT NULL", name="has_recipient"),
        Index("ix_sign_off_request_supervisor_status", "supervisor_id", "status"),
        Index("ix_sign_off_request_evidence", "evidence_id"),
        # Covering indexes for the cohort dashboard's per-trainee pending counts and supervisor response times.
        Index("ix_sign_off_request_status_requester", "status", "requested_by_id", "created_at"),
        Index("ix_sign_off_request_decided", "requested_by_id", "decided_at", "supervisor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_entry.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assessor_email: Mapped[str | None] = mapped_column(String(254))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # only the hash of an assessor link's token
    expires_at: Mapped[datetime | None]
    token_used_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None]
    # New links the trainee sent to an outside assessor after the first, and the extra ones a director allowed.
    links_reissued: Mapped[int] = mapped_column(default=0, server_default="0")
    extra_reissues_allowed: Mapped[int] = mapped_column(default=0, server_default="0")

    evidence = relationship("EvidenceEntry")
    supervisor = relationship("User", foreign_keys=[supervisor_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])


class SignOff(db.Model):
    """A signature covers the evidence content as it was when signed (content_hash)."""

    __table_args__ = (
        UniqueConstraint("request_id", name="uq_sign_off_request"),  # one decision per request, never two
        Index("ix_sign_off_evidence", "evidence_id"),
        Index("ix_sign_off_signer", "signer_id"),
        CheckConstraint("assurance IN ('supervisor','trusted_domain','confirmed','unconfirmed')", name="known_assurance"),
        CheckConstraint("method IN ('signed_in','assessor_link','in_person_pin','api_token')", name="known_method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_entry.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("sign_off_request.id"))
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None for an outside assessor
    assessor_name: Mapped[str | None] = mapped_column(String(120))
    assessor_gmc: Mapped[str | None] = mapped_column(String(7))
    supervision_level: Mapped[str] = mapped_column(String(3))
    feedback: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(200))
    # Who vouches for the signer: 'supervisor' (an assigned supervisor, signed in), 'trusted_domain' (an outside
    # assessor at an email domain the trainee's region trusts), 'confirmed' (an outside assessor confirmed by the
    # educational supervisor) or 'unconfirmed' (an outside assessor nobody has vouched for yet: it does not count).
    assurance: Mapped[str] = mapped_column(String(16), default="supervisor", server_default="supervisor")
    assessor_email: Mapped[str | None] = mapped_column(String(254))  # where the one-time link was sent
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None]
    # How the signature was given: 'signed_in' (the supervisor, signed in to the portal), 'assessor_link' (an outside
    # assessor's one-time link), 'in_person_pin' (the supervisor's PIN, typed on the trainee's signed-in device) or
    # 'api_token' (the supervisor, through the JSON API with a personal access token).
    method: Mapped[str] = mapped_column(String(16), default="signed_in", server_default="signed_in")

    evidence = relationship("EvidenceEntry")
    request = relationship("SignOffRequest")
    signer = relationship("User", foreign_keys=[signer_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])


class StageSignOff(db.Model):
    AUDIT_SUBJECT = "stage"  # what the audit log calls these rows (audit.record)
    __table_args__ = (UniqueConstraint("trainee_id", "curriculum_version", "stage_key", name="uq_stage_sign_off_trainee_stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    curriculum_version: Mapped[str] = mapped_column(String(20))
    stage_key: Mapped[str] = mapped_column(String(30))
    stage_level: Mapped[str] = mapped_column(String(20))
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    signed_on: Mapped[date]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    signed_by = relationship("User", foreign_keys=[signed_by_id])


class SupervisorResponseDay(db.Model):
    """How many of a trainee's requests a supervisor decided on one day after a given number of whole days.

    Kept current on every supervisor decision (sign or return) so the cohort dashboard reads a histogram
    instead of aggregating raw requests; summaries.response_times.recompute() rebuilds it from the requests.
    """

    __table_args__ = (
        UniqueConstraint("supervisor_id", "trainee_id", "decided_on", "days_to_decision", name="uq_supervisor_response_day"),
        # Covering index for the dashboard: its trainees' decisions since a date, grouped by supervisor and days.
        Index("ix_supervisor_response_day_trainee", "trainee_id", "decided_on", "supervisor_id", "days_to_decision", "count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_on: Mapped[date]
    days_to_decision: Mapped[int]
    count: Mapped[int] = mapped_column(default=0)


class SigningPin(db.Model):
    """A supervisor's in-person sign-off PIN: only its slow hash (werkzeug scrypt, as passwords are) is kept."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(256))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetiredAssessorLink(db.Model):
    """The hash of an outside assessor's link that a newer link replaced, so the old one is told apart from a
    mistyped one (it answers 'replaced', not 'not recognised')."""

    __table_args__ = (Index("ix_retired_assessor_link_request", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("sign_off_request.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)
