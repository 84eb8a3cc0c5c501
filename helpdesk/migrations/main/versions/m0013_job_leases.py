"""job leases: one runner per background job kind across processes and machines

Revision ID: m0013
Revises: m0012
Create Date: 2026-11-30 18:50:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0013'
down_revision = 'm0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_lease',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('job_lease')
