"""Alembic environment for the personal store; run through helpdesk.migrate, which passes the connection."""

from alembic import context

from helpdesk.models import PERSONAL_METADATA

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=PERSONAL_METADATA,
    version_table="alembic_version_personal",
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
