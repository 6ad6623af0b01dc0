"""ARCP panels: the panel a director schedules (date, training year, trainees), each trainee's readiness for it (a
read model kept on write), the reminders sent before its cut-off and the pack frozen at the cut-off."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainee_portal.extensions import db
from trainee_portal.platform.clock import utcnow


class ArcpPanel(db.Model):
    """One panel for a region, or for one cohort of it. The cut-off is counted back from the panel date in working
    days (the region's setting when the panel was scheduled, its nation's bank holidays) and kept, so a later change
    of the setting never moves a cut-off trainees were told about."""

    __table_args__ = (Index("ix_arcp_panel_region_date", "region_id", "panel_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"))
    panel_date: Mapped[date]
    training_year: Mapped[str] = mapped_column(String(10))  # the year reviewed, e.g. ST6
    cutoff_working_days: Mapped[int]
    cutoff_date: Mapped[date]
    title: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    region = relationship("Region")
    cohort = relationship("Cohort")
    created_by = relationship("User", foreign_keys=[created_by_id])


class ArcpPanelTrainee(db.Model):
    """A trainee on a panel, with their readiness as last computed (red, amber or green; the reasons and named items
    as JSON), so the director's page reads one row per trainee and never the evidence behind it."""

    __table_args__ = (
        UniqueConstraint("panel_id", "trainee_id", name="uq_arcp_panel_trainee"),
        Index("ix_arcp_panel_trainee_trainee", "trainee_id"),
        Index("ix_arcp_panel_trainee_colour", "panel_id", "readiness"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("arcp_panel.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    readiness: Mapped[str] = mapped_column(String(5), default="red", server_default="red")  # red, amber, green
    readiness_detail: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON: reasons, items
    readiness_at: Mapped[datetime | None]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    panel: Mapped[ArcpPanel] = relationship()
    trainee = relationship("User", foreign_keys=[trainee_id])


class ArcpReminder(db.Model):
    """One reminder step sent for one trainee and panel (four weeks, two weeks, two working days before the cut-off):
    unique, so a daily command run twice, or by two machines, sends each step once."""

    __table_args__ = (UniqueConstraint("panel_id", "trainee_id", "step", name="uq_arcp_reminder_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("arcp_panel.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    step: Mapped[str] = mapped_column(String(12))
    sent_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PanelPack(db.Model):
    """What the panel saw: every item of the trainee's record as it stood at the cut-off (JSON, with each item's
    content hash, sign-off and date) and the SHA-256 of that JSON. Written once; nothing updates it."""

    __table_args__ = (UniqueConstraint("panel_id", "trainee_id", name="uq_panel_pack_trainee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("arcp_panel.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    cutoff_date: Mapped[date]
    frozen_at: Mapped[datetime] = mapped_column(default=utcnow)
    readiness: Mapped[str] = mapped_column(String(5))
    items: Mapped[str] = mapped_column(Text)
    items_sha256: Mapped[str] = mapped_column(String(64))

    panel: Mapped[ArcpPanel] = relationship()
    trainee = relationship("User", foreign_keys=[trainee_id])
