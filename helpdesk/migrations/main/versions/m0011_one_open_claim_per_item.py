"""one open claim per purchased item, enforced by the database

Revision ID: m0011
Revises: m0006
Create Date: 2026-11-30 18:00:00

The service checks for an open claim before filing; on PostgreSQL two simultaneous filings both passed that
check. A partial unique index (open statuses only) lets the database itself refuse the second.
"""

from alembic import op
import sqlalchemy as sa


revision = 'm0011'
down_revision = 'm0006'
branch_labels = None
depends_on = None

OPEN = "status IN ('submitted', 'in_review', 'approved', 'in_repair')"


def upgrade() -> None:
    duplicates = op.get_bind().execute(sa.text(
        f"SELECT purchase_line_id FROM warranty_claim WHERE {OPEN} GROUP BY purchase_line_id HAVING count(*) > 1"
    )).scalars().all()
    if duplicates:
        raise RuntimeError(
            f"{len(duplicates)} purchased items have more than one open warranty claim (purchase_line ids "
            f"{', '.join(map(str, duplicates[:10]))}): close or merge the extra claims, then run `helpdesk db upgrade`"
        )
    op.create_index("uq_claim_open_per_line", "warranty_claim", ["purchase_line_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("uq_claim_open_per_line", table_name="warranty_claim")
