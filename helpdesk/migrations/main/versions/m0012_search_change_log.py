"""search outbox becomes a change log: ids never reused, a cursor per machine, a record of what was pruned

Revision ID: m0012
Revises: m0011
Create Date: 2026-11-30 18:20:00

Each machine keeps its own index and follows the log from its own cursor; rows are pruned only once every
live machine has passed them. On SQLite the table is rebuilt with AUTOINCREMENT, so an id is never handed
out twice after the newest rows were pruned (a cursor past that id would skip the new row).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0012'
down_revision = 'm0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_table('search_outbox_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('doc_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('doc_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
        )
        op.execute("INSERT INTO search_outbox_log (id, doc_type, doc_id, created_at) "
                   "SELECT id, doc_type, doc_id, created_at FROM search_outbox")
        op.drop_table('search_outbox')
        op.rename_table('search_outbox_log', 'search_outbox')
    else:
        op.alter_column('search_outbox', 'id', type_=sa.BigInteger(), existing_nullable=False)
        op.execute("ALTER SEQUENCE IF EXISTS search_outbox_id_seq AS bigint")
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_search_outbox_created', ['created_at'], unique=False)
    op.create_table('search_reader',
    sa.Column('machine_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('generation', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('oldest_gap', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('machine_id')
    )
    op.create_table('search_log_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute("INSERT INTO search_log_state (id, pruned_through) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table('search_log_state')
    op.drop_table('search_reader')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_search_outbox_created')
