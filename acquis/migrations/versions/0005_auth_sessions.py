"""sessions end when credentials change; login throttling per client

The per-login `login_throttle` becomes `throttle`: counters under keyed hashes of (login, client), of a
client, and of a client's anonymous registrations. Old counts are dropped (they only slowed logins down).
Self-registrations naming a phone or ID number already registered go to `registration_conflict`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 15:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import acquis.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table('login_throttle')
    op.create_table('throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('registration_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_candidate_id', sa.Integer(), nullable=True),
    sa.Column('id_number_candidate_id', sa.Integer(), nullable=True),
    sa.Column('family_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('given_names', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('id_document_type', sa.Enum('passport', 'national_id', 'consular_card', 'residence_permit',
                                          'birth_certificate', 'other', name='iddocumenttype', native_enum=False,
                                          length=40), nullable=False),
    sa.Column('id_number_last4', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('preferred_language', sa.Enum('fr', 'en', 'bm', 'ar', name='language', native_enum=False, length=40),
              nullable=False),
    sa.Column('created_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', acquis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['id_number_candidate_id'], ['candidate.id'], ),
    sa.ForeignKeyConstraint(['phone_candidate_id'], ['candidate.id'], ),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registration_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_conflict_id_number_candidate_id'),
                              ['id_number_candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_conflict_phone_candidate_id'), ['phone_candidate_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_registration_conflict_resolved_at'), ['resolved_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registration_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_conflict_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_registration_conflict_phone_candidate_id'))
        batch_op.drop_index(batch_op.f('ix_registration_conflict_id_number_candidate_id'))
    op.drop_table('registration_conflict')
    op.drop_table('throttle')
    op.create_table('login_throttle',
    sa.Column('login', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', acquis.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('login')
    )
