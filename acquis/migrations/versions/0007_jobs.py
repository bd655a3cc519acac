"""scheduled jobs: leases and runs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 15:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import acquis.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'job',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('leased_until', acquis.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('leased_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('running_since', acquis.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_success_at', acquis.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'job_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('started_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_job'), ['job'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_job'))
    op.drop_table('job_run')
    op.drop_table('job')
