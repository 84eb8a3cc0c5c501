"""Create and upgrade both stores' schemas through Alembic (never create_all), once, whatever starts at the same time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from helpdesk.db import Database
from helpdesk.locks import FileLock

log = logging.getLogger("helpdesk.migrate")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
STORES = ("main", "personal")
# Any constant works; it names "the helpdesk schema upgrade" among a server's advisory locks.
ADVISORY_LOCK_KEY = 4_821_093_790


def alembic_config(store: str) -> Config:
    """Alembic config for one store's script directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR / store))
    return config


def _engine_for(database: Database, store: str) -> Engine:
    return database.main if store == "main" else database.personal


@contextmanager
def _upgrade_lock(database: Database) -> Iterator[None]:
    """One upgrade at a time: workers and machines starting together wait, then find the schema current.

    PostgreSQL: an advisory lock on the main server (session-level, released when the connection closes,
    even if the process dies). SQLite: a file lock beside the main database file (one machine by nature).
    """
    engine = database.main
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                connection.commit()
        return
    database_file = engine.url.database
    if not database_file or database_file == ":memory:":
        yield
        return
    with FileLock(Path(f"{database_file}.upgrade.lock")).hold(timeout=None):
        yield


def upgrade(database: Database, revision: str = "head", *, legacy_photo_dir: Path | None = None) -> None:
    """Bring both stores up to the newest schema.

    `legacy_photo_dir`: where claim photos were kept as files before they moved into the database (m0018 copies
    them in); the app and the CLI pass the data directory's, a fresh database needs none.
    """
    with _upgrade_lock(database):
        for store in STORES:
            engine = _engine_for(database, store)
            config = alembic_config(store)
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                # Data migrations of the personal store encrypt with these (p0002).
                config.attributes["keyring"] = database.keyring
                config.attributes["legacy_photo_dir"] = legacy_photo_dir
                command.upgrade(config, revision)
            log.info("%s store is at the newest schema", store)
