"""POS push: API tokens, stored idempotent answers, credit notes (returns), tax and GSTIN, the loyalty ledger

Revision ID: m0014
Revises: m0005
Create Date: 2026-11-30 20:40:00

Additive only: new nullable (or defaulted) columns and new tables, so rows written with the old columns (imports,
the demo generator) stay valid. Existing loyalty balances become an opening entry of the ledger.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0014'
down_revision = 'm0016'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def _refers_to(target: str) -> tuple:
    """A foreign key on a new column: SQLite cannot add one to an existing table without rebuilding it (and the
    report views over purchase would have to go and come back), so there the service keeps the link honest."""
    return () if op.get_bind().dialect.name == 'sqlite' else (sa.ForeignKey(target),)


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', _TEXT(length=80), nullable=False),
    sa.Column('scope', _TEXT(length=20), nullable=False),
    sa.Column('token_hash', _TEXT(length=64), nullable=False),
    sa.Column('prefix', _TEXT(length=12), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', _TEXT(length=254), nullable=False),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ux_api_token_hash', 'api_token', ['token_hash'], unique=True)

    op.create_table('idempotent_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', _TEXT(length=80), nullable=False),
    sa.Column('key', _TEXT(length=255), nullable=False),
    sa.Column('request_hash', _TEXT(length=64), nullable=False),
    sa.Column('running', sa.Boolean(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('body', _TEXT(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ux_idempotent_answer_key', 'idempotent_answer', ['scope', 'key'], unique=True)
    op.create_index('ix_idempotent_answer_created_at', 'idempotent_answer', ['created_at'])

    op.add_column('purchase', sa.Column('kind', _TEXT(length=10), nullable=False, server_default='sale'))
    op.add_column('purchase', sa.Column('purchased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('purchase', sa.Column('buyer_gstin', _TEXT(length=15), nullable=True))
    op.add_column('purchase', sa.Column('tax_paise', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('purchase', sa.Column('credits_purchase_id', sa.Integer(), *_refers_to('purchase.id'), nullable=True))
    op.add_column('purchase', sa.Column('content_hash', _TEXT(length=64), nullable=True))
    op.create_index('ix_purchase_credits_purchase_id', 'purchase', ['credits_purchase_id'])

    op.add_column('purchase_line', sa.Column('tax_paise', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('purchase_line', sa.Column('hsn_code', _TEXT(length=8), nullable=True))
    op.add_column('purchase_line', sa.Column('returns_line_id', sa.Integer(), *_refers_to('purchase_line.id'),
                                             nullable=True))
    op.add_column('purchase_line', sa.Column('returned_quantity', sa.Integer(), nullable=False, server_default='0'))
    op.create_index('ix_purchase_line_returns_line_id', 'purchase_line', ['returns_line_id'])

    op.create_table('loyalty_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', _TEXT(length=10), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('purchase_id', sa.Integer(), nullable=True),
    sa.Column('reference', _TEXT(length=60), nullable=True),
    sa.Column('store', _TEXT(length=120), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['purchase_id'], ['purchase.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_loyalty_entry_customer', 'loyalty_entry', ['customer_id', 'id'])
    op.create_index('ix_loyalty_entry_purchase_id', 'loyalty_entry', ['purchase_id'])
    # The balances the desk already shows become the ledger's first entry, so balance = sum of entries from now on.
    op.execute(sa.text(
        "INSERT INTO loyalty_entry (customer_id, kind, points, balance_after, created_at) "
        "SELECT id, 'opening', loyalty_points, loyalty_points, CURRENT_TIMESTAMP FROM customer WHERE loyalty_points <> 0"
    ))


def downgrade() -> None:
    op.drop_table('loyalty_entry')
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of purchase would trip over the tables and views that refer
    # to it.
    op.drop_index('ix_purchase_line_returns_line_id', table_name='purchase_line')
    for column in ('returned_quantity', 'returns_line_id', 'hsn_code', 'tax_paise'):
        op.execute(f'ALTER TABLE purchase_line DROP COLUMN {column}')
    op.drop_index('ix_purchase_credits_purchase_id', table_name='purchase')
    for column in ('content_hash', 'credits_purchase_id', 'tax_paise', 'buyer_gstin', 'purchased_at', 'kind'):
        op.execute(f'ALTER TABLE purchase DROP COLUMN {column}')
    op.drop_table('idempotent_answer')
    op.drop_table('api_token')
