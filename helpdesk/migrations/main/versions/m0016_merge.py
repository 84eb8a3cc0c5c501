"""merge: duplicate candidates, customer merges (undoable) and the merged customer's pointer to the survivor

Revision ID: m0016
Revises: m0005
Create Date: 2026-11-30 20:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0016'
down_revision = 'm0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot add a foreign key with ALTER TABLE, and batch mode would rebuild `customer` under the report
    # views that read it: there the reference goes inline in ADD COLUMN (allowed for a column defaulting to NULL).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE customer ADD COLUMN merged_into_id INTEGER REFERENCES customer (id)")
    else:
        op.add_column('customer', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_customer_merged_into_id', 'customer', 'customer', ['merged_into_id'], ['id'])
    op.create_index('ix_customer_merged_into_id', 'customer', ['merged_into_id'], unique=False)
    op.create_table('duplicate_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('found_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['first_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['second_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['closed_by_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('first_id', 'second_id', name='ux_duplicate_candidate_pair')
    )
    op.create_index('ix_duplicate_candidate_second_id', 'duplicate_candidate', ['second_id'], unique=False)
    op.create_index('ix_duplicate_candidate_status_found', 'duplicate_candidate', ['status', 'found_at'], unique=False)
    op.create_table('customer_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survivor_id', sa.Integer(), nullable=False),
    sa.Column('merged_id', sa.Integer(), nullable=False),
    sa.Column('merged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('moved', sa.Text(), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['survivor_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['merged_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['merged_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['undone_by_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_customer_merge_survivor', 'customer_merge', ['survivor_id', 'merged_at'], unique=False)
    op.create_index('ix_customer_merge_merged', 'customer_merge', ['merged_id', 'merged_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_customer_merge_merged', table_name='customer_merge')
    op.drop_index('ix_customer_merge_survivor', table_name='customer_merge')
    op.drop_table('customer_merge')
    op.drop_index('ix_duplicate_candidate_status_found', table_name='duplicate_candidate')
    op.drop_index('ix_duplicate_candidate_second_id', table_name='duplicate_candidate')
    op.drop_table('duplicate_candidate')
    op.drop_index('ix_customer_merged_into_id', table_name='customer')
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint('fk_customer_merged_into_id', 'customer', type_='foreignkey')
    # SQLite 3.35+ drops a column in place (no table rebuild under the report views).
    op.drop_column('customer', 'merged_into_id')
