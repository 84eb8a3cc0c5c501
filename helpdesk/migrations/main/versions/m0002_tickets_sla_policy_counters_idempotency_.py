"""tickets: SLA policy, counters, idempotency, satisfaction; search outbox

Revision ID: m0002
Revises: m0001
Create Date: 2026-11-23 06:16:57.947143
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0002'
down_revision = 'm0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('counter',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sla_policy',
    sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('priority')
    )
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_interaction_idempotency_key'), ['idempotency_key'], unique=True)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_responded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_idempotency_key'), ['idempotency_key'], unique=True)
        batch_op.create_index(batch_op.f('ix_ticket_satisfaction_token_hash'), ['satisfaction_token_hash'], unique=True)
        batch_op.create_foreign_key('fk_ticket_created_by_agent', 'agent', ['created_by_id'], ['id'])

    sla = sa.table("sla_policy", sa.column("priority", sa.String), sa.column("first_response_minutes", sa.Integer),
                   sa.column("resolution_minutes", sa.Integer))
    # Starting targets for a retail desk open around the clock; supervisors tune them in this table.
    op.bulk_insert(sla, [
        {"priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 4 * 60},
        {"priority": "high", "first_response_minutes": 60, "resolution_minutes": 8 * 60},
        {"priority": "normal", "first_response_minutes": 4 * 60, "resolution_minutes": 24 * 60},
        {"priority": "low", "first_response_minutes": 8 * 60, "resolution_minutes": 72 * 60},
    ])

    tag = sa.table("tag", sa.column("name", sa.String))
    # A starting tag list; tickets may only carry tags from this table.
    op.bulk_insert(tag, [{"name": name} for name in (
        "billing", "complaint", "damaged", "delivery", "escalated", "feedback", "installation", "refund", "repair",
        "replacement", "vip", "warranty",
    )])


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ticket_created_by_agent', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ticket_satisfaction_token_hash'))
        batch_op.drop_index(batch_op.f('ix_ticket_idempotency_key'))
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('satisfaction_token_hash')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('first_responded_at')

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interaction_idempotency_key'))
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('outcome')

    op.execute("DELETE FROM tag")
    op.drop_table('sla_policy')
    op.drop_table('search_outbox')
    op.drop_table('counter')
