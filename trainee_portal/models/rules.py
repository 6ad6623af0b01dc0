"""A region's own evidence rules: local rules (a school's or region's published guidance, cited and quoted) and the
programme's suggestions a director sets. Each row is one version: editing adds the next version and marks this one
replaced, retiring ends the line; no version's content is ever rewritten or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competencies import EvidenceRule, ExtraRule
from competencies.provenance import LOCAL, SUGGESTION
from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow

RULE_BASES = (LOCAL, SUGGESTION)


class LocalRule(db.Model):
    __table_args__ = (
        CheckConstraint("basis IN ('local','suggestion')", name="known_basis"),
        CheckConstraint("minimum >= 1", name="positive_minimum"),
        CheckConstraint("version >= 1", name="positive_version"),
        Index("ix_local_rule_region_version", "region_id", "curriculum_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    curriculum_version: Mapped[str] = mapped_column(String(20))
    competency_code: Mapped[str] = mapped_column(String(20))
    evidence_type: Mapped[str] = mapped_column(String(30))
    minimum: Mapped[int]
    supervision_level: Mapped[str | None] = mapped_column(String(3))
    signoff_required: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[str] = mapped_column(String(12))
    citation: Mapped[str] = mapped_column(Text, default="")  # who publishes a local rule, e.g. NHS Education for Scotland
    quote: Mapped[str] = mapped_column(Text, default="")  # the local rule's own words
    version: Mapped[int] = mapped_column(default=1)
    # The version this one replaces: unique, so two edits of the same version cannot both succeed.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("local_rule.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    region = relationship("Region")
    created_by = relationship("User", foreign_keys=[created_by_id])
    retired_by = relationship("User", foreign_keys=[retired_by_id])
    replaces = relationship("LocalRule", remote_side=[id])

    # What a rule is, as every audit record of it states it (the integrity check compares the row with the latest).
    RULE_FIELDS = (
        "curriculum_version",
        "competency_code",
        "evidence_type",
        "minimum",
        "supervision_level",
        "signoff_required",
        "basis",
        "citation",
        "quote",
    )
    AUDIT_FIELDS = ("region_id", "version", *RULE_FIELDS)

    def audit_state(self) -> dict:
        return {name: getattr(self, name) for name in self.AUDIT_FIELDS}

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None and self.retired_at is None

    @property
    def rule(self) -> EvidenceRule:
        """The rule as the domain core reads it, its origin naming the issuer (or region) and this version."""
        issuer = self.citation if self.basis == LOCAL else f"set by the {self.region.name} programme"
        return EvidenceRule(
            self.evidence_type,
            self.minimum,
            self.supervision_level,
            self.signoff_required,
            basis=self.basis,
            quote=self.quote if self.basis == LOCAL else "",
            issuer=issuer,
            version=self.version,
        )

    def as_extra_rule(self) -> ExtraRule:
        return ExtraRule(self.competency_code, self.rule)
