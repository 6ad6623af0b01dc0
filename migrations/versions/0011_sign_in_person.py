"""Signing away from the portal's sign-in: how each signature was given (sign_off.method), supervisors' in-person
sign-off PINs (hashes only), and new links for outside assessors (counts per request, the links they replaced)

Revision ID: 0011_sign_in_person
Revises: 0010
Create Date: 2026-12-01 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_sign_in_person'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=16), server_default='signed_in', nullable=False))
    # Signatures before this revision: a supervisor's was given signed in, anyone else's through a one-time link.
    op.execute("UPDATE sign_off SET method = 'assessor_link' WHERE signer_id IS NULL")
    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.create_check_constraint('known_method', "method IN ('signed_in','assessor_link','in_person_pin')")

    with op.batch_alter_table('sign_off_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('links_reissued', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('extra_reissues_allowed', sa.Integer(), server_default='0', nullable=False))

    op.create_table('signing_pin',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pin_hash', sa.String(length=256), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_signing_pin_user_id_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_signing_pin'))
    )
    op.create_table('retired_assessor_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['sign_off_request.id'], name=op.f('fk_retired_assessor_link_request_id_sign_off_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retired_assessor_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_retired_assessor_link_token_hash'))
    )
    with op.batch_alter_table('retired_assessor_link', schema=None) as batch_op:
        batch_op.create_index('ix_retired_assessor_link_request', ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('retired_assessor_link', schema=None) as batch_op:
        batch_op.drop_index('ix_retired_assessor_link_request')
    op.drop_table('retired_assessor_link')
    op.drop_table('signing_pin')
    with op.batch_alter_table('sign_off_request', schema=None) as batch_op:
        batch_op.drop_column('extra_reissues_allowed')
        batch_op.drop_column('links_reissued')
    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.drop_constraint('known_method', type_='check')
        batch_op.drop_column('method')
