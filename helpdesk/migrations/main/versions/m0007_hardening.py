"""hardening: sign-in and self-service throttle, a claim's reason for the customer, idempotency keys per sender

Revision ID: m0007
Revises: m0008
Create Date: 2026-12-01 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0007'
down_revision = 'm0008'
branch_labels = None
depends_on = None

# Keys already stored belong to whoever created the row: the agent who did, else the customer (self-service).
_SENDERS = {
    "ticket": ("created_by_id", "customer_id"),
    "interaction": ("author_id", "customer_id"),
    "warranty_claim": ("filed_by_id", "customer_id"),
}


def upgrade() -> None:
    op.create_table('throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('window_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.create_index('ix_throttle_window_start', ['window_start'], unique=False)

    # Reasons written before this revision were typed under a label that did not say the customer would see them;
    # they stay internal (decision_reason). Only reasons written for the customer from now on are shown to them.
    with op.batch_alter_table('warranty_claim', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_reason', sa.Text(), nullable=True))

    for table, (agent_column, customer_column) in _SENDERS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('idempotency_scope', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
            batch_op.drop_index(f'ix_{table}_idempotency_key')
        op.execute(f"UPDATE {table} SET idempotency_scope = 'agent:' || {agent_column} "
                   f"WHERE idempotency_key IS NOT NULL AND {agent_column} IS NOT NULL")
        op.execute(f"UPDATE {table} SET idempotency_scope = 'customer:' || {customer_column} "
                   f"WHERE idempotency_key IS NOT NULL AND idempotency_scope IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ux_{table}_idempotency', ['idempotency_scope', 'idempotency_key'], unique=True)


def downgrade() -> None:
    # Keys become global again: where two senders used the same key, only the oldest row keeps it.
    for table in _SENDERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ux_{table}_idempotency')
        op.execute(f"UPDATE {table} SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND id NOT IN "
                   f"(SELECT min(id) FROM {table} WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_idempotency_key', ['idempotency_key'], unique=True)
            batch_op.drop_column('idempotency_scope')

    with op.batch_alter_table('warranty_claim', schema=None) as batch_op:
        batch_op.drop_column('customer_reason')

    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.drop_index('ix_throttle_window_start')
    op.drop_table('throttle')
