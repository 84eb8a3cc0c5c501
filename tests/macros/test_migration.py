"""Migration m0017 keeps the data it finds, and goes down and up again."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from helpdesk import migrate
from helpdesk.config import Settings
from helpdesk.db import Database
from tests.conftest import TEST_KEYS, _drop_schemas, _postgres_urls
from tests.test_migration_hardening import ROWS


@pytest.fixture
def database_at_m0005(tmp_path) -> Iterator[Database]:
    env = {"HELPDESK_SECRET_KEY": secrets.token_urlsafe(32), "HELPDESK_DATA_DIR": str(tmp_path / "data"),
           "HELPDESK_PERSONAL_KEYS": TEST_KEYS}
    base, schemas = os.environ.get("HELPDESK_TEST_DATABASE_URL"), []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
        env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    database = Database.from_settings(Settings.from_env(env, cwd=tmp_path))
    config = migrate.alembic_config("main")
    with database.main.begin() as connection:
        config.attributes["connection"] = connection
        # Rows as an older desk wrote them, then brought up to the schema m0017 starts from.
        command.upgrade(config, "m0006")
        for statement in ROWS:
            connection.execute(text(statement))
        command.upgrade(config, "m0005")
    yield database
    database.dispose()
    if base:
        _drop_schemas(base, schemas)


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
