"""Evidence weeks: each trainee's current evidence per stage and trajectory week (summaries.evidence_weeks), which the
dashboard's trajectory reads instead of every entry of the stage. Filled here from the evidence, as the writes keep it.

Revision ID: 0020_evidence_weeks
Revises: 0019_page_reads
Create Date: 2026-12-03 07:00:00

"""

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0020_evidence_weeks"
down_revision = "0019_page_reads"
branch_labels = None
depends_on = None


def upgrade():
    weeks = op.create_table(
        "evidence_week",
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("stage_level", sa.String(length=20), nullable=False),
        sa.Column("week_ends_on", sa.Date(), nullable=False),
        sa.Column("evidence_type", sa.String(length=30), nullable=False),
        sa.Column("supervision_level", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("competency_code", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["trainee_id"], ["user.id"], name=op.f("fk_evidence_week_trainee_id_user")),
        sa.PrimaryKeyConstraint(
            "trainee_id",
            "stage_level",
            "week_ends_on",
            "evidence_type",
            "supervision_level",
            "status",
            "competency_code",
            name=op.f("pk_evidence_week"),
        ),
        sqlite_with_rowid=False,  # a trainee's stage is read in key order: stored in it
    )
    _fill(weeks)


def _fill(weeks):
    """The weeks of every current entry of a trainee with a profile, as summaries.evidence_weeks keeps them (written
    out here so that this revision stays as it is when the app's code moves on)."""
    bind = op.get_bind()
    starts = dict(bind.execute(sa.text("SELECT user_id, stage_started_on FROM trainee_profile")).all())
    rows = bind.execute(
        sa.text(
            "SELECT e.trainee_id, e.stage_level, e.occurred_on, e.evidence_type, e.supervision_level, e.status, e.id,"
            " c.competency_code FROM evidence_entry e LEFT JOIN evidence_competency c ON c.evidence_id = e.id"
            " WHERE e.superseded_at IS NULL ORDER BY e.trainee_id, e.id"
        )
    )
    counts, seen = Counter(), set()
    for trainee_id, stage_level, on, kind, level, status, entry_id, code in rows:
        start = starts.get(trainee_id)
        if start is None:
            continue
        on, start = _date(on), _date(start)
        week = on + timedelta(days=(start.weekday() - on.weekday()) % 7)
        base = (trainee_id, stage_level, week, kind, level or "", status)
        if entry_id not in seen:
            seen.add(entry_id)
            counts[(*base, "")] += 1
        if code is not None:
            counts[(*base, code)] += 1
    names = ("trainee_id", "stage_level", "week_ends_on", "evidence_type", "supervision_level", "status", "competency_code")
    values = [{**dict(zip(names, key)), "count": n} for key, n in sorted(counts.items())]
    for at in range(0, len(values), 5000):
        op.bulk_insert(weeks, values[at : at + 5000])


def _date(value):
    """SQLite hands dates back as text."""
    from datetime import date

    return date.fromisoformat(value) if isinstance(value, str) else value


def downgrade():
    op.drop_table("evidence_week")
