"""Signatures given through the JSON API: sign_off.method may be 'api_token'

Revision ID: 0017_api_signatures
Revises: 0016_import_formats
Create Date: 2026-12-01 16:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_api_signatures'
down_revision = '0016_import_formats'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.drop_constraint('known_method', type_='check')
        batch_op.create_check_constraint(
            'known_method', "method IN ('signed_in','assessor_link','in_person_pin','api_token')"
        )


def downgrade():
    # A signature given through the API was given by the supervisor, signed in with their token: it stays theirs.
    op.execute("UPDATE sign_off SET method = 'signed_in' WHERE method = 'api_token'")
    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.drop_constraint('known_method', type_='check')
        batch_op.create_check_constraint('known_method', "method IN ('signed_in','assessor_link','in_person_pin')")
