"""the 2021 stage model: regional roles (Faculty Tutor (Pain), RAPM, College Tutor, Regional Adviser) with their
region scopes, HALO requests with the evidence they name, and whether each stage is complete

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 02:39:36.394132

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


OLD_ROLES = "role IN ('trainee','supervisor','director','admin')"
NEW_ROLES = "role IN ('trainee','supervisor','director','admin','faculty_tutor','rapm','college_tutor','regional_adviser')"


def _role_check(condition):
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role_known_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role_known_role'), condition)


def upgrade():
    _role_check(NEW_ROLES)
    op.create_table('halo_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('curriculum_version', sa.String(length=20), nullable=False),
    sa.Column('stage_key', sa.String(length=30), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('requested','signed','returned','withdrawn')", name=op.f('ck_halo_request_known_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_halo_request_decided_by_id_user')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_halo_request_trainee_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_halo_request'))
    )
    with op.batch_alter_table('halo_request', schema=None) as batch_op:
        batch_op.create_index('ix_halo_request_status', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_halo_request_trainee_stage', ['trainee_id', 'curriculum_version', 'stage_key', 'status'], unique=False)
        batch_op.create_index(
            'uq_halo_request_open', ['trainee_id', 'curriculum_version', 'stage_key'], unique=True,
            sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"),
        )

    op.create_table('role_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('faculty_tutor','rapm','college_tutor','regional_adviser')", name=op.f('ck_role_scope_regional_role')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_role_scope_region_id_region')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_role_scope_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_scope')),
    sa.UniqueConstraint('user_id', 'role', 'region_id', name='uq_role_scope_user_role_region')
    )
    with op.batch_alter_table('role_scope', schema=None) as batch_op:
        batch_op.create_index('ix_role_scope_region_role', ['region_id', 'role'], unique=False)

    op.create_table('halo_evidence',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_entry.id'], name=op.f('fk_halo_evidence_evidence_id_evidence_entry')),
    sa.ForeignKeyConstraint(['request_id'], ['halo_request.id'], name=op.f('fk_halo_evidence_request_id_halo_request')),
    sa.PrimaryKeyConstraint('request_id', 'evidence_id', name=op.f('pk_halo_evidence'))
    )
    with op.batch_alter_table('halo_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_halo_evidence_evidence_id'), ['evidence_id'], unique=False)

    with op.batch_alter_table('trainee_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complete', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('trainee_progress', schema=None) as batch_op:
        batch_op.drop_column('complete')

    with op.batch_alter_table('halo_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_halo_evidence_evidence_id'))

    op.drop_table('halo_evidence')
    with op.batch_alter_table('role_scope', schema=None) as batch_op:
        batch_op.drop_index('ix_role_scope_region_role')

    op.drop_table('role_scope')
    with op.batch_alter_table('halo_request', schema=None) as batch_op:
        batch_op.drop_index('uq_halo_request_open')
        batch_op.drop_index('ix_halo_request_trainee_stage')
        batch_op.drop_index('ix_halo_request_status')

    op.drop_table('halo_request')
    op.execute(sa.text("DELETE FROM user_role WHERE role IN ('faculty_tutor','rapm','college_tutor','regional_adviser')"))
    _role_check(OLD_ROLES)
