"""shared state for several machines: sessions and claim photos in the database; public-page limits in throttle

Revision ID: m0018
Revises: m0014
Create Date: 2026-11-30 20:40:00

Claim photos kept as files under the data directory are copied into claim_photo_content, so every machine serves
them; the files are left where they were (remove them once the upgrade is verified). A photo whose file is missing
is reported and skipped: its claim_photo row stays, and the photo answers 404 as it did before.
The public warranty page's attempts move to the shared throttle table; the old attempt rows only ever mattered
for 15 minutes, so they are dropped rather than converted.
"""

import logging
from pathlib import Path

from alembic import context, op
import sqlalchemy as sa
import sqlmodel


revision = 'm0018'
down_revision = 'm0014'
branch_labels = None
depends_on = None

log = logging.getLogger("helpdesk.migrate")
# Copied a few at a time: a shop with many photos never holds more than this many in memory.
PHOTO_BATCH = 20


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_expires_at'), ['expires_at'], unique=False)

    op.create_table('claim_photo_content',
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['claim_photo.id'], ),
    sa.PrimaryKeyConstraint('photo_id')
    )
    _copy_photo_files(context.config.attributes.get("legacy_photo_dir"))

    with op.batch_alter_table('self_service_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_self_service_attempt_key_time')
    op.drop_table('self_service_attempt')


def _copy_photo_files(directory: Path | None) -> None:
    bind = op.get_bind()
    photo = sa.table('claim_photo', sa.column('id', sa.Integer), sa.column('stored_name', sa.String))
    content = sa.table('claim_photo_content', sa.column('photo_id', sa.Integer), sa.column('content', sa.LargeBinary))
    rows = bind.execute(sa.select(photo.c.id, photo.c.stored_name).order_by(photo.c.id)).all()
    if rows and directory is None:
        log.warning("%d claim photos are on file but no photo directory was given: none were copied", len(rows))
        return
    missing = 0
    for start in range(0, len(rows), PHOTO_BATCH):
        batch = []
        for photo_id, stored_name in rows[start:start + PHOTO_BATCH]:
            path = Path(directory) / Path(stored_name).name
            if path.is_file():
                batch.append({"photo_id": photo_id, "content": path.read_bytes()})
            else:
                missing += 1
        if batch:
            bind.execute(sa.insert(content), batch)
    if missing:
        log.warning("%d claim photo files were missing from %s and were not copied", missing, directory)


def downgrade() -> None:
    op.create_table('self_service_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('self_service_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_self_service_attempt_key_time', ['key', 'created_at'], unique=False)
    op.drop_table('claim_photo_content')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_expires_at'))
    op.drop_table('web_session')
