"""One summary row per trainee for the cohort dashboard and the exam pipeline (pending sign-offs, exam attempts and
windows, the heatmap's domain percents) and one per supervisor and trainee for its supervisor chart (their decisions
in the year up to the latest). Filled by `flask recompute-progress` (run it once after upgrading).

Revision ID: 0018_trainee_summary
Revises: 0017_api_signatures
Create Date: 2026-12-01 20:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_trainee_summary'
down_revision = '0017_api_signatures'
branch_labels = None
depends_on = None


def _window(part):
    return [
        sa.Column(f'{part}_open', sa.Boolean(), nullable=False),
        sa.Column(f'{part}_sits_from', sa.Date(), nullable=False),
        sa.Column(f'{part}_sits_until', sa.Date(), nullable=False),
        sa.Column(f'{part}_gap_from', sa.Date(), nullable=False),
        sa.Column(f'{part}_gap_until', sa.Date(), nullable=False),
        sa.Column(f'{part}_closes_from', sa.Date(), nullable=False),
        sa.Column(f'{part}_extra_training', sa.Boolean(), nullable=False),
    ]


def upgrade():
    op.create_table(
        'trainee_summary',
        sa.Column('trainee_id', sa.Integer(), nullable=False),
        sa.Column('pending', sa.Integer(), nullable=False),
        sa.Column('oldest_pending_at', sa.DateTime(), nullable=True),
        sa.Column('mcq_attempts', sa.Integer(), nullable=False),
        sa.Column('soe_attempts', sa.Integer(), nullable=False),
        sa.Column('mcq_passed_on', sa.Date(), nullable=True),
        sa.Column('soe_passed_on', sa.Date(), nullable=True),
        sa.Column('mcq_expires_on', sa.Date(), nullable=True),
        sa.Column('rapm_confirmed_on', sa.Date(), nullable=True),
        sa.Column('mcq_late', sa.Boolean(), nullable=False),
        sa.Column('mcq_none_left', sa.Boolean(), nullable=False),
        sa.Column('soe_late', sa.Boolean(), nullable=False),
        sa.Column('soe_none_left', sa.Boolean(), nullable=False),
        *_window('mcq'),
        *_window('soe'),
        sa.Column('exam_version', sa.String(length=20), nullable=True),
        sa.Column('domain_percents', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_trainee_summary_trainee_id_user')),
        sa.PrimaryKeyConstraint('trainee_id', name=op.f('pk_trainee_summary')),
    )
    op.create_table(
        'supervisor_response_recent',
        sa.Column('supervisor_id', sa.Integer(), nullable=False),
        sa.Column('trainee_id', sa.Integer(), nullable=False),
        sa.Column('last_decided_on', sa.Date(), nullable=False),
        sa.Column('counted_from', sa.Date(), nullable=False),
        sa.Column('days_histogram', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['supervisor_id'], ['user.id'], name=op.f('fk_supervisor_response_recent_supervisor_id_user')),
        sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_supervisor_response_recent_trainee_id_user')),
        sa.PrimaryKeyConstraint('supervisor_id', 'trainee_id', name=op.f('pk_supervisor_response_recent')),
    )


def downgrade():
    op.drop_table('supervisor_response_recent')
    op.drop_table('trainee_summary')
