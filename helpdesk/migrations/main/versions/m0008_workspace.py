"""agent workspace: the customer's pinned note and its history of changes

Revision ID: m0008
Revises: m0013
Create Date: 2026-11-30 18:00:00

Only new tables: existing data is untouched, on SQLite and PostgreSQL alike.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0008'
down_revision = 'm0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_note',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('customer_id')
    )
    op.create_table('customer_note_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('customer_note_change', schema=None) as batch_op:
        batch_op.create_index('ix_customer_note_change_customer_at', ['customer_id', 'changed_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customer_note_change', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_note_change_customer_at')
    op.drop_table('customer_note_change')
    op.drop_table('customer_note')
