"""audit log, append-only

Revision ID: m0006
Revises: m0004
Create Date: 2026-11-30 17:20:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0006'
down_revision = 'm0004'
branch_labels = None
depends_on = None

# The log is append-only in the database itself, not only in the code: no route edits or deletes entries, and a
# mistake (or an intruder with the app's connection) cannot quietly rewrite it either.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]
_POSTGRES_TRIGGERS = [
    "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
]


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('customer_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('client_address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_at', ['at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_customer_at', ['customer_code', 'at'], unique=False)
    triggers = _POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    else:
        op.drop_table('audit_entry')
