"""SMS services: the phones that answered STOP

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import acquis.db

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # sms_message.status gains "skipped": a plain string column (no native enum, no CHECK), nothing to alter.
    op.create_table(
        'sms_stop',
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('stopped_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('phone'),
    )


def downgrade() -> None:
    op.drop_table('sms_stop')
    op.execute("UPDATE sms_message SET status = 'failed' WHERE status = 'skipped'")  # a status 0013 knows
