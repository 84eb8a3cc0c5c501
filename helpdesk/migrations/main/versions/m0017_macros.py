"""macros: canned replies, and the link from a merged ticket to the one it was merged into

Revision ID: m0017
Revises: m0005
Create Date: 2026-11-30 20:30:00

A new table and a new nullable column: existing rows are untouched, on SQLite and PostgreSQL alike.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0017'
down_revision = 'm0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('macro',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('set_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('set_priority', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('set_tags', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('title')
    )
    # A plain ADD COLUMN, not a batch copy of the table: on SQLite a copy would break the report_* views over
    # `ticket`, and a nullable column with a reference is one SQLite adds in place (Alembic cannot say it there).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE ticket ADD COLUMN merged_into_id INTEGER REFERENCES ticket (id)')
    else:
        op.add_column('ticket', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_ticket_merged_into_id_ticket', 'ticket', 'ticket', ['merged_into_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_ticket_merged_into_id_ticket', 'ticket', type_='foreignkey')
    op.drop_column('ticket', 'merged_into_id')
    op.drop_table('macro')
