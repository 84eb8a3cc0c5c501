"""merge: a blind index on the PIN code (duplicate candidates) and the merge snapshots that let a merge be undone

Revision ID: p0003
Revises: p0002
Create Date: 2026-11-30 20:40:00

Existing records get their PIN code index here, in batches, with the keys helpdesk.migrate passes in.
"""

from alembic import context, op
import sqlalchemy as sa
import sqlmodel


revision = 'p0003'
down_revision = 'p0002'
branch_labels = None
depends_on = None

BATCH = 2_000


def upgrade() -> None:
    with op.batch_alter_table('personal_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_code_index', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index('ix_personal_record_pin_code_index', ['pin_code_index'], unique=False)
    op.create_table('merge_snapshot',
    sa.Column('merge_id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('merge_id', 'customer_code')
    )
    op.create_index('ix_merge_snapshot_customer_code', 'merge_snapshot', ['customer_code'], unique=False)
    _index_existing_pin_codes()


def _index_existing_pin_codes() -> None:
    connection = op.get_bind()
    table = sa.table("personal_record", sa.column("customer_code"), sa.column("pin_code"), sa.column("pin_code_index"))
    if connection.execute(sa.select(sa.func.count()).select_from(table).where(table.c.pin_code.is_not(None))).scalar() == 0:
        return
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        raise RuntimeError("the personal store holds PIN codes to index, but no personal-data keys were given: "
                           "set HELPDESK_PERSONAL_KEYS or provide the key file, then run `helpdesk db upgrade`")
    last = ""
    while True:
        rows = connection.execute(
            sa.select(table.c.customer_code, table.c.pin_code).where(table.c.customer_code > last,
                                                                     table.c.pin_code.is_not(None))
            .order_by(table.c.customer_code).limit(BATCH)).all()
        if not rows:
            return
        updates = []
        for code, token in rows:
            pin = "".join((keyring.decrypt(token, table="personal_record", column="pin_code", customer_id=code) or "").split())
            if len(pin) == 6 and pin.isascii() and pin.isdigit():
                updates.append({"b_code": code, "pin_code_index": keyring.blind_index("pin", pin)})
        if updates:
            connection.execute(table.update().where(table.c.customer_code == sa.bindparam("b_code")), updates)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index('ix_merge_snapshot_customer_code', table_name='merge_snapshot')
    op.drop_table('merge_snapshot')
    with op.batch_alter_table('personal_record', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_record_pin_code_index')
        batch_op.drop_column('pin_code_index')
