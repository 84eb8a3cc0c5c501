"""What every `helpdesk` command shares: logging, settings and the databases, each problem as one line."""

from __future__ import annotations

import logging

import click

from helpdesk.config import Settings
from helpdesk.db import Database, DatabaseConfigError
from helpdesk.privacy.crypto import KeyConfigError


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def open_database(settings: Settings, *, create_keys: bool = False, upgrade: bool = True) -> Database:
    """Both stores at the newest schema, with the personal-data keys checked; any problem is one line."""
    from helpdesk import migrate
    from helpdesk.claims.photos import legacy_photo_dir
    from helpdesk.privacy import store

    try:
        database = Database.from_settings(settings, create_keys=create_keys)
        database.check()
        if upgrade:
            migrate.upgrade(database, legacy_photo_dir=legacy_photo_dir(settings.data_dir))
            with database.write() as session:
                store.check_keys(session)
    except (DatabaseConfigError, KeyConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    return database


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
