"""form drafts: what someone typed into a long form and has not saved yet, one per person and form

Revision ID: 0013_form_drafts
Revises: 0012_msf_rounds
Create Date: 2026-12-01 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_form_drafts'
down_revision = '0012_msf_rounds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_form_draft_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_draft')),
    sa.UniqueConstraint('user_id', 'form_key', name='uq_form_draft_user_form')
    )
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.create_index('ix_form_draft_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.drop_index('ix_form_draft_updated_at')

    op.drop_table('form_draft')
