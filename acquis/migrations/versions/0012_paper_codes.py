"""paper form codes: the short code (and QR) printed on each form, and the dossier step it leads back to

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import acquis.db

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('paper_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('form', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sa.Enum('checklist', 'convocation', 'attestation', 'slip', 'summary', name='formkind',
                              native_enum=False, length=40), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('created_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('form')
    )
    with op.batch_alter_table('paper_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_code_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_code_dossier_id'), ['dossier_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('paper_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_code_dossier_id'))
        batch_op.drop_index(batch_op.f('ix_paper_code_candidate_id'))
    op.drop_table('paper_code')
