"""claims: self-service token, idempotency, decision, attempts

Revision ID: m0003
Revises: m0002
Create Date: 2026-11-23 06:33:42.395270
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0003'
down_revision = 'm0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('self_service_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('self_service_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_self_service_attempt_key_time', ['key', 'created_at'], unique=False)

    with op.batch_alter_table('warranty_claim', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_via', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='agent', nullable=False))
        batch_op.add_column(sa.Column('filed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_warranty_claim_idempotency_key'), ['idempotency_key'], unique=True)
        batch_op.create_index(batch_op.f('ix_warranty_claim_status_token_hash'), ['status_token_hash'], unique=True)
        batch_op.create_foreign_key('fk_warranty_claim_filed_by_agent', 'agent', ['filed_by_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('warranty_claim', schema=None) as batch_op:
        batch_op.drop_constraint('fk_warranty_claim_filed_by_agent', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_warranty_claim_status_token_hash'))
        batch_op.drop_index(batch_op.f('ix_warranty_claim_idempotency_key'))
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('status_token_hash')
        batch_op.drop_column('decision_reason')
        batch_op.drop_column('filed_by_id')
        batch_op.drop_column('filed_via')

    with op.batch_alter_table('self_service_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_self_service_attempt_key_time')

    op.drop_table('self_service_attempt')
