"""encrypt personal data: ciphertext columns, blind indexes, key checks

Revision ID: p0002
Revises: p0001
Create Date: 2026-11-30 17:40:00

Every existing record is encrypted here, in batches, with the keys helpdesk.migrate passes in (the desk's
personal-data keys). The plain values are overwritten in place; SQLite's secure_delete (set on every
connection to this store) keeps them out of free pages.
"""

from alembic import context, op
import sqlalchemy as sa
import sqlmodel


revision = 'p0002'
down_revision = 'p0001'
branch_labels = None
depends_on = None

FIELDS = ("full_name", "phone", "alt_phone", "email", "address_line", "city", "state", "pin_code")
INDEXED = {"phone": "phone", "alt_phone": "phone", "email": "email"}
BATCH = 2_000


def upgrade() -> None:
    op.create_table('personal_key_check',
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key_id')
    )
    with op.batch_alter_table('personal_record', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_record_alt_phone')
        batch_op.drop_index('ix_personal_record_email')
        batch_op.drop_index('ix_personal_record_phone')
        for field in FIELDS:
            # Tokens are longer than the values they hold; the name was the one required column.
            batch_op.alter_column(field, type_=sa.Text(), existing_nullable=field != "full_name", nullable=True)
        for field in INDEXED:
            batch_op.add_column(sa.Column(f'{field}_index', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
            batch_op.create_index(f'ix_personal_record_{field}_index', [f'{field}_index'], unique=False)
    _encrypt_existing_records()


def _encrypt_existing_records() -> None:
    connection = op.get_bind()
    table = sa.table("personal_record", sa.column("customer_code"), *(sa.column(f) for f in FIELDS),
                     *(sa.column(f"{f}_index") for f in INDEXED))
    if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0:
        return
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        raise RuntimeError("the personal store holds records to encrypt, but no personal-data keys were given: "
                           "set HELPDESK_PERSONAL_KEYS or provide the key file, then run `helpdesk db upgrade`")
    from helpdesk import phones  # the desk's normaliser: the index must match what lookups compute

    last = ""
    while True:
        rows = connection.execute(
            sa.select(table).where(table.c.customer_code > last).order_by(table.c.customer_code).limit(BATCH)
        ).mappings().all()
        if not rows:
            return
        updates = []
        for row in rows:
            code = row["customer_code"]
            values = {"b_code": code}
            for field in FIELDS:
                values[field] = keyring.encrypt(row[field], table="personal_record", column=field, customer_id=code)
            for field, kind in INDEXED.items():
                plain = row[field]
                if plain and kind == "phone":
                    try:
                        plain = phones.normalise(plain)
                    except phones.InvalidPhone:
                        plain = None  # kept (encrypted) for people to read, just not findable by number
                values[f"{field}_index"] = keyring.blind_index(kind, plain) if plain else None
            updates.append(values)
        connection.execute(
            table.update().where(table.c.customer_code == sa.bindparam("b_code")),
            updates,
        )
        last = rows[-1]["customer_code"]


def downgrade() -> None:
    raise NotImplementedError("personal data cannot be decrypted back into plain columns by a migration")
