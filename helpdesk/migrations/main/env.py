"""Alembic environment for the main store; run through helpdesk.migrate, which passes the connection."""

from alembic import context

from helpdesk.models import MAIN_METADATA

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=MAIN_METADATA,
    version_table="alembic_version",
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
