"""SMS outbox: the messages a transaction queues, sent later through Kannel

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import acquis.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'sms_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('event_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('status', sa.Enum('queued', 'sent', 'delivered', 'failed', name='smsstatus', native_enum=False,
                                    length=40), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('gateway_answer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column('created_at', acquis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', acquis.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', acquis.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_key'),
    )
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_message_next_attempt_at'), ['next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_message_next_attempt_at'))
    op.drop_table('sms_message')
