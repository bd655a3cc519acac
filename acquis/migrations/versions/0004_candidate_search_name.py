"""search candidates by name; find duplicate evidence and a person's open assignments by index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:52:50.171084
"""
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def name_key(*names: str | None) -> str:
    """validation.dossiers.search.name_key as of this migration (a copy: later changes must not alter it)."""
    text = unicodedata.normalize("NFKD", " ".join(name for name in names if name)).casefold()
    # An apostrophe joins (N'Diaye is "ndiaye", as people type it); other punctuation separates words.
    kept = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c) and c not in "'’ʼ")
    return " ".join(kept.encode("ascii", "ignore").decode().split())


def upgrade() -> None:
    # The empty default lets the column arrive NOT NULL on a table that has rows; they are filled below.
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sqlmodel.sql.sqltypes.AutoString(length=520), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_candidate_search_name'), ['search_name'], unique=False)

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_duplicate_elsewhere'), ['duplicate_elsewhere'], unique=False)

    with op.batch_alter_table('assessment_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_assignment_user_open', ['user_id', 'ended_at'], unique=False)
        batch_op.drop_index(batch_op.f('ix_assessment_assignment_user_id'))

    candidate = sa.table('candidate', sa.column('id', sa.Integer), sa.column('family_name', sa.String),
                         sa.column('given_names', sa.String), sa.column('usual_name', sa.String),
                         sa.column('search_name', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(candidate.c.id, candidate.c.family_name, candidate.c.given_names,
                                         candidate.c.usual_name)).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(candidate.update().where(candidate.c.id == sa.bindparam('row_id'))
                           .values(search_name=sa.bindparam('key')),
                           [{'row_id': row.id, 'key': name_key(row.family_name, row.given_names, row.usual_name)}
                            for row in rows[start:start + BATCH]])


def downgrade() -> None:
    with op.batch_alter_table('assessment_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_assignment_user_id'), ['user_id'], unique=False)
        batch_op.drop_index('ix_assessment_assignment_user_open')

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_duplicate_elsewhere'))

    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_search_name'))
        batch_op.drop_column('search_name')
