"""trust in the record: signature assurance, optimistic locks, signed audit checkpoints, password resets,
a shared login throttle, session generations and Unicode case-insensitive region and cohort names

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 19:42:03.818203

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


def _name_key(name):
    """As trainee_portal.models.accounts.name_key at this revision (kept here so the migration never changes)."""
    return " ".join(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").casefold()).split())


def _fill_name_keys(table):
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, name FROM {table}")).all()
    for row_id, name in rows:
        bind.execute(sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id"), {"key": _name_key(name), "id": row_id})


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index('ix_audit_checkpoint_sequence', ['sequence'], unique=False)

    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("scope IN ('address','account')", name=op.f('ck_login_failure_known_scope')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_scope_key_at', ['scope', 'key', 'at'], unique=False)

    op.create_table('password_reset_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_password_reset_token_issued_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_reset_token_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_token_hash'))
    )
    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.create_index('ix_password_reset_token_user', ['user_id'], unique=False)

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=120), nullable=True))
    _fill_name_keys('cohort')
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=120), nullable=False)
        batch_op.create_unique_constraint('uq_cohort_region_name_key', ['region_id', 'name_key'])

    with op.batch_alter_table('evidence_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('trusted_assessor_domains', sa.Text(), server_default='', nullable=False))
    _fill_name_keys('region')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=120), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_region_name_key'), ['name_key'])

    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assurance', sa.String(length=16), server_default='supervisor', nullable=False))
        batch_op.add_column(sa.Column('assessor_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sign_off_confirmed_by_id_user'), 'user', ['confirmed_by_id'], ['id'])
        batch_op.create_check_constraint('known_assurance', "assurance IN ('supervisor','trusted_domain','confirmed','unconfirmed')")

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    # --- signature assurance (sign-off area) ---
    _unconfirm_outside_assessor_signatures()



def _move_tally(bind, trainee_id, code, kind, level, from_status, to_status):
    """One claim moves from one status row of the progress tally to another (plain SQL: no app imports here)."""
    key = {"t": trainee_id, "c": code, "k": kind, "l": level}
    bind.execute(sa.text("UPDATE evidence_tally SET count = count - 1 WHERE trainee_id = :t AND competency_code = :c "
                         "AND evidence_type = :k AND supervision_level = :l AND status = :s"), {**key, "s": from_status})
    bind.execute(sa.text("DELETE FROM evidence_tally WHERE trainee_id = :t AND competency_code = :c AND evidence_type = :k "
                         "AND supervision_level = :l AND status = :s AND count <= 0"), {**key, "s": from_status})
    moved = bind.execute(sa.text("UPDATE evidence_tally SET count = count + 1 WHERE trainee_id = :t AND competency_code = :c "
                                 "AND evidence_type = :k AND supervision_level = :l AND status = :s"), {**key, "s": to_status})
    if moved.rowcount == 0:
        bind.execute(sa.text("INSERT INTO evidence_tally (trainee_id, competency_code, evidence_type, supervision_level, "
                             "status, count) VALUES (:t, :c, :k, :l, :s, 1)"), {**key, "s": to_status})


def _unconfirm_outside_assessor_signatures():
    """Signatures made through an outside assessor's link before anyone vouched for assessors (signer_id NULL) become
    'unconfirmed', with the address the link went to. Current evidence they alone made 'signed' goes back to
    'submitted' (awaiting the educational supervisor's confirmation) and its tally claims move from signed to
    submitted. Stage results (trainee_progress) are rebuilt from the tallies by `flask recompute-progress`, which
    should be run once after this upgrade."""
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE sign_off SET assurance = 'unconfirmed', assessor_email = "
        "(SELECT r.assessor_email FROM sign_off_request r WHERE r.id = sign_off.request_id) WHERE signer_id IS NULL"))
    entries = bind.execute(sa.text(
        "SELECT e.id, e.trainee_id, e.evidence_type, COALESCE(e.supervision_level, '') FROM evidence_entry e "
        "WHERE e.status = 'signed' AND e.superseded_at IS NULL "
        "AND EXISTS (SELECT 1 FROM sign_off s WHERE s.evidence_id = e.id AND s.voided_at IS NULL AND s.assurance = 'unconfirmed') "
        "AND NOT EXISTS (SELECT 1 FROM sign_off s WHERE s.evidence_id = e.id AND s.voided_at IS NULL "
        "AND s.assurance <> 'unconfirmed')")).all()
    for evidence_id, trainee_id, kind, level in entries:
        bind.execute(sa.text("UPDATE evidence_entry SET status = 'submitted', signed_at = NULL, "
                             "row_version = row_version + 1 WHERE id = :id"), {"id": evidence_id})
        codes = bind.execute(sa.text("SELECT competency_code FROM evidence_competency WHERE evidence_id = :id"),
                             {"id": evidence_id}).scalars().all()
        for code in codes:
            _move_tally(bind, trainee_id, code, kind, level, "signed", "submitted")


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')

    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sign_off_confirmed_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_sign_off_known_assurance'), type_='check')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('assessor_email')
        batch_op.drop_column('assurance')

    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_region_name_key'), type_='unique')
        batch_op.drop_column('trusted_assessor_domains')
        batch_op.drop_column('name_key')

    with op.batch_alter_table('evidence_entry', schema=None) as batch_op:
        batch_op.drop_column('row_version')
        batch_op.drop_column('attachment_sha256')

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_constraint('uq_cohort_region_name_key', type_='unique')
        batch_op.drop_column('name_key')

    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.drop_index('ix_password_reset_token_user')

    op.drop_table('password_reset_token')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_scope_key_at')

    op.drop_table('login_failure')
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_checkpoint_sequence')

    op.drop_table('audit_checkpoint')
