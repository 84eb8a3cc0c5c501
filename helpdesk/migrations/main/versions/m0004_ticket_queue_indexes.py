"""ticket queue indexes

Revision ID: m0004
Revises: m0003
Create Date: 2026-11-23 07:10:46.001668
"""

from alembic import op


revision = 'm0004'
down_revision = 'm0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_assignee_status'))
        batch_op.create_index('ix_ticket_assignee_status_priority_due', ['assignee_id', 'status', 'priority', 'resolution_due', 'id'], unique=False)
        batch_op.create_index('ix_ticket_assignee_status_updated', ['assignee_id', 'status', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_ticket_status_due', ['status', 'resolution_due', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_due')
        batch_op.drop_index('ix_ticket_assignee_status_updated')
        batch_op.drop_index('ix_ticket_assignee_status_priority_due')
        batch_op.create_index(batch_op.f('ix_ticket_assignee_status'), ['assignee_id', 'status'], unique=False)

