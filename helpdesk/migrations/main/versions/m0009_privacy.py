"""privacy: consent per channel with its history, preferred language, erasure mark, session versions, search purges

Revision ID: m0009
Revises: m0007
Create Date: 2026-12-08 10:00:00

The one `consent_marketing` flag becomes a flag per channel. Consent must be specific, so nothing is assumed
beyond what was asked: e-mail marketing keeps the old marketing consent (the channel it was collected for),
SMS marketing needs both the old marketing and SMS flags, WhatsApp was never asked and starts at no. Every flag
that ends up yes gets a consent_change row saying where it came from.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0009'
down_revision = 'm0007'
branch_labels = None
depends_on = None

_NOTE = "migration"


def upgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_email', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('consent_whatsapp', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('preferred_language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    op.create_table('consent_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent_change', schema=None) as batch_op:
        batch_op.create_index('ix_consent_change_customer_at', ['customer_id', 'changed_at'], unique=False)

    op.create_table('search_purge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )

    _split_marketing_consent()

    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): batch mode would copy and drop the customer table, which
    # every other table references (foreign keys are on for every connection).
    op.drop_column('customer', 'consent_marketing')


def _split_marketing_consent() -> None:
    customer = sa.table("customer", sa.column("id", sa.Integer), sa.column("consent_marketing", sa.Boolean),
                        sa.column("consent_sms", sa.Boolean), sa.column("consent_email", sa.Boolean))
    change = sa.table("consent_change", sa.column("customer_id", sa.Integer), sa.column("field", sa.String),
                      sa.column("old_value", sa.String), sa.column("new_value", sa.String),
                      sa.column("changed_at", sa.DateTime(timezone=True)), sa.column("actor_label", sa.String),
                      sa.column("source", sa.String))
    now = sa.func.current_timestamp()
    # SMS consent without marketing consent was consent to service messages, not to marketing: recorded as taken back.
    op.execute(change.insert().from_select(
        ["customer_id", "field", "old_value", "new_value", "changed_at", "actor_label", "source"],
        sa.select(customer.c.id, sa.literal("consent_sms"), sa.literal("yes"), sa.literal("no"), now,
                  sa.literal("system"), sa.literal(_NOTE))
        .where(customer.c.consent_sms.is_(True), customer.c.consent_marketing.is_(False))))
    op.execute(customer.update().where(customer.c.consent_marketing.is_(False)).values(consent_sms=False))
    op.execute(customer.update().where(customer.c.consent_marketing.is_(True)).values(consent_email=True))
    for field, condition in (("consent_email", customer.c.consent_email.is_(True)),
                             ("consent_sms", customer.c.consent_sms.is_(True))):
        op.execute(change.insert().from_select(
            ["customer_id", "field", "old_value", "new_value", "changed_at", "actor_label", "source"],
            sa.select(customer.c.id, sa.literal(field), sa.null(), sa.literal("yes"), now, sa.literal("system"),
                      sa.literal(_NOTE)).where(condition)))


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_marketing', sa.Boolean(), server_default='0', nullable=False))
    customer = sa.table("customer", sa.column("consent_marketing", sa.Boolean), sa.column("consent_sms", sa.Boolean),
                        sa.column("consent_email", sa.Boolean), sa.column("consent_whatsapp", sa.Boolean))
    op.execute(customer.update().values(consent_marketing=sa.or_(customer.c.consent_sms, customer.c.consent_email,
                                                                 customer.c.consent_whatsapp)))
    op.drop_table('search_purge')
    with op.batch_alter_table('consent_change', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_change_customer_at')
    op.drop_table('consent_change')
    for column in ('erased_at', 'preferred_language', 'consent_whatsapp', 'consent_email'):
        op.drop_column('customer', column)
    op.drop_column('agent', 'session_version')
