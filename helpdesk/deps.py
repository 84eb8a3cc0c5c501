"""Dependencies shared by every area's handlers."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency

from helpdesk.config import Settings
from helpdesk.db import Database


def provide_db(state: State) -> Database:
    """The app's two stores."""
    return state.db


def provide_settings(state: State) -> Settings:
    """The app's settings."""
    return state.settings


DB = NamedDependency[Database]
"""Handler parameter type for the `db` dependency."""

AppSettings = NamedDependency[Settings]
"""Handler parameter type for the `settings` dependency."""
