"""curriculum transitions: a trainee's audited moves between curriculum versions, and the percent carried from the
old stage that the behind flag reads

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 02:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('curriculum_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('from_version', sa.String(length=20), nullable=False),
    sa.Column('to_version', sa.String(length=20), nullable=False),
    sa.Column('from_stage', sa.String(length=20), nullable=False),
    sa.Column('to_stage', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_curriculum_transition_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_curriculum_transition_trainee_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_curriculum_transition'))
    )
    with op.batch_alter_table('curriculum_transition', schema=None) as batch_op:
        batch_op.create_index('ix_curriculum_transition_trainee', ['trainee_id', 'effective_on'], unique=False)

    with op.batch_alter_table('trainee_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_percent', sa.Double(), nullable=True))


def downgrade():
    with op.batch_alter_table('trainee_progress', schema=None) as batch_op:
        batch_op.drop_column('carried_percent')

    with op.batch_alter_table('curriculum_transition', schema=None) as batch_op:
        batch_op.drop_index('ix_curriculum_transition_trainee')

    op.drop_table('curriculum_transition')
