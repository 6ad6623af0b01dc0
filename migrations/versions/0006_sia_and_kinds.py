"""the SIA each trainee follows at the advanced slot (2021: Pain Medicine or Acute Inpatient Pain)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:45:00

New evidence kinds (A-QIPAT, personal activity, MTR, ESSR) and the supervision level "na" fit the existing
columns (evidence_type String(30), supervision_level String(3)): no schema change for them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trainee_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sia_stage_key', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('trainee_profile', schema=None) as batch_op:
        batch_op.drop_column('sia_stage_key')
