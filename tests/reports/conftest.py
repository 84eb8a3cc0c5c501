"""The golden fixture in a database of its own (SQLite, or fresh PostgreSQL schemas when HELPDESK_TEST_DATABASE_URL is
set), refreshed as of its report day; an app on it with the background refresher off, and signed-in clients."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from helpdesk import migrate
from helpdesk.app import create_app
from helpdesk.config import ReportSettings, Settings
from helpdesk.db import Database
from helpdesk.reports.refresh import full_refresh
from tests.conftest import TEST_KEYS, _drop_schemas, _postgres_urls, sign_in
from tests.reports.golden import AS_OF, Golden, build

# Two gaps are enough for a category to have its own churn threshold here (the default, 20, suits real data).
GOLDEN_ENV = {"HELPDESK_CHURN_MIN_GAPS": "2", "HELPDESK_STATS_REFRESH_SECONDS": "0"}
GOLDEN_PASSWORD = "golden password 123"


def golden_settings(root) -> tuple[Settings, list[str]]:
    env = {"HELPDESK_SECRET_KEY": secrets.token_urlsafe(32), "HELPDESK_INDEX_DIR": str(root / "index"),
           "HELPDESK_DATA_DIR": str(root / "data"), "HELPDESK_PERSONAL_KEYS": TEST_KEYS, **GOLDEN_ENV}
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    schemas: list[str] = []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
        env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    return Settings.from_env(env, cwd=root), schemas


def report_settings() -> ReportSettings:
    return replace(ReportSettings(), churn_min_gaps=2, refresh_seconds=0)


def fresh_golden(root) -> Iterator[tuple[Settings, Golden]]:
    settings, schemas = golden_settings(root)
    database = Database.from_settings(settings)
    migrate.upgrade(database)
    golden = build(database)
    full_refresh(database, settings.reports, as_of=AS_OF)
    try:
        yield settings, golden
    finally:
        database.dispose()
        if schemas:
            _drop_schemas(os.environ["HELPDESK_TEST_DATABASE_URL"], schemas)


@pytest.fixture(scope="session")
def golden_world(tmp_path_factory) -> Iterator[tuple[Settings, Golden]]:
    yield from fresh_golden(tmp_path_factory.mktemp("golden"))


@pytest.fixture(scope="session")
def golden(golden_world) -> Golden:
    return golden_world[1]


@pytest.fixture(scope="session")
def golden_app(golden_world):
    settings, golden = golden_world
    return create_app(settings, database=golden.db)


def _client(app, email: str) -> Iterator[TestClient]:
    with TestClient(app) as client:
        response = sign_in(client, email, GOLDEN_PASSWORD)
        assert response.status_code == 303, response.text
        yield client


@pytest.fixture(scope="module")
def supervisor(golden_app) -> Iterator[TestClient]:
    """A signed-in supervisor's browser on the golden desk."""
    yield from _client(golden_app, "golden.supervisor@helpdesk.local")


@pytest.fixture(scope="module")
def golden_agent(golden_app) -> Iterator[TestClient]:
    yield from _client(golden_app, "golden.agent@helpdesk.local")
