"""training time: less-than-full-time, leave and time-out-of-programme periods, and each trainee's current stage end
in training time (the read model the cohort's "behind" flag uses)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 02:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('wte_percent', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('ltft','leave','oop','oopt')", name=op.f('ck_training_period_known_kind')),
    sa.CheckConstraint(
        "(kind = 'ltft' AND wte_percent > 0 AND wte_percent < 100) OR (kind <> 'ltft' AND wte_percent IS NULL)",
        name=op.f('ck_training_period_wte_percent_for_ltft'),
    ),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_training_period_period_order')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_training_period_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_training_period_trainee_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_period'))
    )
    with op.batch_alter_table('training_period', schema=None) as batch_op:
        batch_op.create_index('ix_training_period_trainee', ['trainee_id', 'starts_on'], unique=False)

    with op.batch_alter_table('trainee_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_ends_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('trainee_profile', schema=None) as batch_op:
        batch_op.drop_column('stage_ends_on')

    with op.batch_alter_table('training_period', schema=None) as batch_op:
        batch_op.drop_index('ix_training_period_trainee')

    op.drop_table('training_period')
