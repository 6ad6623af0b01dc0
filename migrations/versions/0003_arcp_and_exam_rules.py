"""ARCP and exam rules: several ARCP outcomes per training year (reconvened panels), and the prerequisites to apply
for the exam (GMC registration, FPM membership) as a trainee records them and a director confirms them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 02:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('arcp_outcome', schema=None) as batch_op:
        batch_op.drop_constraint('uq_arcp_outcome_trainee_year', type_='unique')

    op.create_table('exam_prerequisite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('gmc_registered_on', sa.Date(), nullable=True),
    sa.Column('fpm_status', sa.String(length=8), nullable=False),
    sa.Column('fpm_applied_on', sa.Date(), nullable=True),
    sa.Column('fpm_member_since', sa.Date(), nullable=True),
    sa.Column('good_standing', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("fpm_status IN ('none','applied','member')", name=op.f('ck_exam_prerequisite_known_fpm_status')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_exam_prerequisite_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_exam_prerequisite_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_exam_prerequisite_trainee_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_prerequisite'))
    )
    with op.batch_alter_table('exam_prerequisite', schema=None) as batch_op:
        batch_op.create_index('ix_exam_prerequisite_trainee', ['trainee_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('exam_prerequisite', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_prerequisite_trainee')

    op.drop_table('exam_prerequisite')
    # Several outcomes in one training year cannot be squeezed back into one: refuse rather than lose panels.
    duplicates = op.get_bind().execute(
        sa.text("SELECT 1 FROM arcp_outcome GROUP BY trainee_id, training_year HAVING COUNT(*) > 1 LIMIT 1")
    ).first()
    if duplicates is not None:
        raise RuntimeError("Some training years hold several ARCP outcomes (reconvened panels): downgrading would lose them.")
    with op.batch_alter_table('arcp_outcome', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_arcp_outcome_trainee_year', ['trainee_id', 'training_year'])
