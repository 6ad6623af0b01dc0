"""Logbook imports in the background: a job per uploaded file, and a fingerprint per imported row (unique per trainee)

Revision ID: 0014_import_jobs
Revises: 0013_form_drafts
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_import_jobs'
down_revision = '0013_form_drafts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='queued', nullable=False),
    sa.Column('rows_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_checked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_imported', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_skipped', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('problems', sa.Text(), server_default='[]', nullable=False),
    sa.Column('skipped_rows', sa.Text(), server_default='[]', nullable=False),
    sa.Column('ignored_columns', sa.Text(), server_default='[]', nullable=False),
    sa.Column('failure', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_import_job_created_by_id_user')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_import_job_trainee_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job'))
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index('ix_import_job_trainee_file', ['trainee_id', 'file_sha256'], unique=False)

    op.create_table('imported_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('import_job_id', sa.Integer(), nullable=True),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_job_id'], ['import_job.id'], name=op.f('fk_imported_row_import_job_id_import_job')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_imported_row_trainee_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_row')),
    sa.UniqueConstraint('trainee_id', 'fingerprint', name=op.f('uq_imported_row_trainee_id'))
    )


def downgrade():
    op.drop_table('imported_row')
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index('ix_import_job_trainee_file')

    op.drop_table('import_job')
