"""ARCP: one outcome per trainee, training year and panel date, so two clicks on the same panel cannot both record it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    duplicate = op.get_bind().execute(
        sa.text(
            "SELECT 1 FROM arcp_outcome GROUP BY trainee_id, training_year, panel_date HAVING COUNT(*) > 1 LIMIT 1"
        )
    ).first()
    if duplicate is not None:
        raise RuntimeError(
            "arcp_outcome holds two outcomes from one panel (same trainee, training year and panel date): "
            "decide which stands, remove the other with its reason in the audit log, then upgrade again"
        )
    with op.batch_alter_table('arcp_outcome', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_arcp_outcome_panel', ['trainee_id', 'training_year', 'panel_date'])


def downgrade():
    with op.batch_alter_table('arcp_outcome', schema=None) as batch_op:
        batch_op.drop_constraint('uq_arcp_outcome_panel', type_='unique')
