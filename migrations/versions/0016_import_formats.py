"""Logbook imports from other portfolios: each job remembers the format it reads and, for a mapped one, its mapping

Revision ID: 0016_import_formats
Revises: 0015_api_tokens
Create Date: 2026-12-01 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_import_formats'
down_revision = '0015_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_format', sa.String(length=10), server_default='portal', nullable=False))
        batch_op.add_column(sa.Column('mapping', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('mapping')
        batch_op.drop_column('source_format')
