"""login codes by SMS; a slip's one-time password opens one session only

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import acquis.db

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('used_at', acquis.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_code_user_id'), ['user_id'], unique=False)

    # The false default lets the column arrive NOT NULL on a table that has rows.
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_once', sa.Boolean(), nullable=False, server_default=sa.false()))

    # Slips printed before this release become single-use too: their candidates have not chosen a password yet.
    app_user = sa.table('app_user', sa.column('id', sa.Integer), sa.column('password_once', sa.Boolean))
    candidate = sa.table('candidate', sa.column('user_id', sa.Integer), sa.column('password_temporary', sa.Boolean))
    slips = sa.select(candidate.c.user_id).where(candidate.c.password_temporary == sa.true())
    op.get_bind().execute(app_user.update().where(app_user.c.id.in_(slips)).values(password_once=True))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('password_once')

    with op.batch_alter_table('login_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_code_user_id'))

    op.drop_table('login_code')
