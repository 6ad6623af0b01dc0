"""local rules: a region's own evidence rules (local rules and programme suggestions), versioned

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 02:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('local_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('curriculum_version', sa.String(length=20), nullable=False),
    sa.Column('competency_code', sa.String(length=20), nullable=False),
    sa.Column('evidence_type', sa.String(length=30), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('supervision_level', sa.String(length=3), nullable=True),
    sa.Column('signoff_required', sa.Boolean(), nullable=False),
    sa.Column('basis', sa.String(length=12), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=True),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('retired_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("basis IN ('local','suggestion')", name=op.f('ck_local_rule_known_basis')),
    sa.CheckConstraint('minimum >= 1', name=op.f('ck_local_rule_positive_minimum')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_local_rule_positive_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_local_rule_created_by_id_user')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_local_rule_region_id_region')),
    sa.ForeignKeyConstraint(['replaces_id'], ['local_rule.id'], name=op.f('fk_local_rule_replaces_id_local_rule')),
    sa.ForeignKeyConstraint(['retired_by_id'], ['user.id'], name=op.f('fk_local_rule_retired_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_rule')),
    sa.UniqueConstraint('replaces_id', name=op.f('uq_local_rule_replaces_id'))
    )
    with op.batch_alter_table('local_rule', schema=None) as batch_op:
        batch_op.create_index('ix_local_rule_region_version', ['region_id', 'curriculum_version'], unique=False)


def downgrade():
    with op.batch_alter_table('local_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_local_rule_region_version')
    op.drop_table('local_rule')
