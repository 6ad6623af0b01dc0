"""Page reads: an index of each trainee's current evidence per stage holding every column the dashboard's timeline
and the logbook's counts read

Revision ID: 0019_page_reads
Revises: 0018_trainee_summary
Create Date: 2026-12-01 19:40:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0019_page_reads"
down_revision = "0018_trainee_summary"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_entry_current_stage",
            ["trainee_id", "stage_level", "occurred_on", "evidence_type", "supervision_level", "status", "superseded_at"],
            unique=False,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
            postgresql_include=["id"],
        )


def downgrade():
    with op.batch_alter_table("evidence_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_entry_current_stage")
