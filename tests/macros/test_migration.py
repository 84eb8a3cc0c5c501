"""Migration m0017 keeps the data it finds, and goes down and up again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from helpdesk import migrate
from helpdesk.db import Database
from tests.conftest import database_at
from tests.test_migration_hardening import ROWS


@pytest.fixture
def database_at_m0005(tmp_path) -> Iterator[Database]:
    # Rows as an older desk wrote them, then brought up to the schema m0017 starts from.
    with database_at(tmp_path, ("m0006", ROWS), ("m0005", ())) as database:
        yield database


def _tickets(database: Database) -> list[tuple]:
    with database.main.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT id, number, subject, status FROM ticket ORDER BY id"))]


def test_tickets_are_kept_unmerged_and_the_schema_goes_down_and_up(database_at_m0005):
    before = _tickets(database_at_m0005)
    migrate.upgrade(database_at_m0005)
    assert _tickets(database_at_m0005) == before
    with database_at_m0005.main.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ticket WHERE merged_into_id IS NOT NULL")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM macro")).scalar() == 0
    config = migrate.alembic_config("main")
    with database_at_m0005.main.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "m0005")
    migrate.upgrade(database_at_m0005)
    assert _tickets(database_at_m0005) == before
