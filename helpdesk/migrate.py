"""Create and upgrade both stores' schemas through Alembic (never create_all)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from helpdesk.db import Database

log = logging.getLogger("helpdesk.migrate")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
STORES = ("main", "personal")


def alembic_config(store: str) -> Config:
    """Alembic config for one store's script directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR / store))
    return config


def _engine_for(database: Database, store: str) -> Engine:
    return database.main if store == "main" else database.personal


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring both stores up to the newest schema."""
    for store in STORES:
        engine = _engine_for(database, store)
        config = alembic_config(store)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            # Data migrations of the personal store encrypt with these (p0002).
            config.attributes["keyring"] = database.keyring
            command.upgrade(config, revision)
        log.info("%s store is at the newest schema", store)
