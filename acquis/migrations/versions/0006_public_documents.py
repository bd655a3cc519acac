"""signed public documents (status lists, revocation list) stored when they change

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import acquis.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing status lists have no stored document yet: `acquis certificates publish` (with the key
    # passphrase) signs them once after the upgrade; until then /status/{id} answers 503.
    op.create_table(
        'public_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('kid', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('source_at', acquis.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('signed_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('valid_until', acquis.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('public_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_document_path'), ['path'], unique=True)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revocation_reason_public', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('revocation_reason_public')
    with op.batch_alter_table('public_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_document_path'))
    op.drop_table('public_document')
