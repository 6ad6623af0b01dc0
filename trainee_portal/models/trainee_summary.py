"""One row per trainee holding what the cohort dashboard and the exam pipeline read, kept in the transaction of every
write that changes it (summaries.trainee_summary) and rebuilt by `flask recompute-progress`.

Nothing here depends on today: the pages compare the stored dates with today in their queries (a sign-off overdue, an
MCQ pass expiring, a sitting still open), so the rows stay true however long nobody writes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trainee_portal.extensions import db

EARLIEST, LATEST = date.min, date.max  # a sitting window's bound that bounds nothing (competencies.exam.SittingWindow)


class TraineeSummary(db.Model):
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    # Sign-off requests waiting (status pending): how many, and since when the oldest has waited.
    pending: Mapped[int] = mapped_column(default=0)
    oldest_pending_at: Mapped[datetime | None]
    # Exam attempts per part, the latest pass's sitting date, and the MCQ pass's expiry under the trainee's rules.
    mcq_attempts: Mapped[int] = mapped_column(default=0)
    soe_attempts: Mapped[int] = mapped_column(default=0)
    mcq_passed_on: Mapped[date | None]
    soe_passed_on: Mapped[date | None]
    mcq_expires_on: Mapped[date | None]
    rapm_confirmed_on: Mapped[date | None]  # the latest Regional Advisor's confirmation
    # The exam pipeline's warnings that follow from the attempts alone (competencies.flags), per part.
    mcq_late: Mapped[bool] = mapped_column(default=False)
    mcq_none_left: Mapped[bool] = mapped_column(default=False)
    soe_late: Mapped[bool] = mapped_column(default=False)
    soe_none_left: Mapped[bool] = mapped_column(default=False)
    # Which sittings of each part the trainee may apply for, as bounds on a sitting's dates.
    mcq_open: Mapped[bool] = mapped_column(default=False)
    mcq_sits_from: Mapped[date] = mapped_column(default=EARLIEST)
    mcq_sits_until: Mapped[date] = mapped_column(default=LATEST)
    mcq_gap_from: Mapped[date] = mapped_column(default=LATEST)
    mcq_gap_until: Mapped[date] = mapped_column(default=LATEST)
    mcq_closes_from: Mapped[date] = mapped_column(default=EARLIEST)
    mcq_extra_training: Mapped[bool] = mapped_column(default=False)
    soe_open: Mapped[bool] = mapped_column(default=False)
    soe_sits_from: Mapped[date] = mapped_column(default=EARLIEST)
    soe_sits_until: Mapped[date] = mapped_column(default=LATEST)
    soe_gap_from: Mapped[date] = mapped_column(default=LATEST)
    soe_gap_until: Mapped[date] = mapped_column(default=LATEST)
    soe_closes_from: Mapped[date] = mapped_column(default=EARLIEST)
    soe_extra_training: Mapped[bool] = mapped_column(default=False)
    # The curriculum version whose exam rules the fields above follow; a move to another version works them out again.
    exam_version: Mapped[str | None] = mapped_column(String(20))
    # Per stage the trainee follows: the share of each domain's competencies complete, in the stage's domain order
    # (JSON {stage key: [percent, …]}), the cohort heatmap's cells as they are drawn.
    domain_percents: Mapped[str | None] = mapped_column(Text)


class SupervisorResponseRecent(db.Model):
    """One supervisor's decisions on one trainee's requests in the year up to the latest of them: how many were made
    after each number of whole days (JSON {days: count}), counted from `counted_from` (that decision's day less the
    year) on. The cohort dashboard's supervisor chart adds these up per supervisor and takes off, from
    SupervisorResponseDay, the few decisions between `counted_from` and the start of its own year: one row per pair
    whatever the number of decisions. Kept with SupervisorResponseDay by summaries.response_times."""

    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    last_decided_on: Mapped[date]
    counted_from: Mapped[date]
    days_histogram: Mapped[str] = mapped_column(Text)
