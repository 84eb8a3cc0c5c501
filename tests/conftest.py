"""Test app factory: fresh databases (SQLite, or PostgreSQL when HELPDESK_TEST_DATABASE_URL is set) and index dirs."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import create_engine, event, text

from helpdesk import migrate
from helpdesk.auth import service as auth_service
from helpdesk.app import create_app
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.privacy.crypto import format_keys, generate_keyring

PASSWORD = "correct horse battery"
# Fresh personal-data keys for each run, given the way production gives them (the environment).
TEST_KEYS = format_keys(generate_keyring())

# Argon2's production cost (~64 MiB and tens of milliseconds a hash) is the point against stolen hashes and pure
# waiting in a suite that signs in hundreds of times. A hash carries its own parameters, so these cheap ones change
# nothing about how passwords are checked; tests/auth still proves the production hasher is Argon2id.
auth_service.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _postgres_urls(base_url: str) -> tuple[str, str, list[str]]:
    """Two fresh schemas on the test server: one per store, so the stores stay apart as in production."""
    suffix = secrets.token_hex(4)
    schemas = [f"hd_main_{suffix}", f"hd_personal_{suffix}"]
    engine = create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        for schema in schemas:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base_url else "?"
    return (f"{base_url}{sep}options=-csearch_path%3D{schemas[0]}", f"{base_url}{sep}options=-csearch_path%3D{schemas[1]}", schemas)


def _drop_schemas(base_url: str, schemas: list[str]) -> None:
    engine = create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        for schema in schemas:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@contextmanager
def database_at(tmp_path, *steps: tuple[str, tuple[str, ...]]) -> Iterator[Database]:
    """A database of its own brought up to older schema revisions, each followed by rows written as that desk wrote
    them (fresh schemas on the PostgreSQL test server, dropped afterwards): for migration tests."""
    from alembic import command

    env = {"HELPDESK_SECRET_KEY": secrets.token_urlsafe(32), "HELPDESK_DATA_DIR": str(tmp_path / "data"),
           "HELPDESK_PERSONAL_KEYS": TEST_KEYS}
    base, schemas = os.environ.get("HELPDESK_TEST_DATABASE_URL"), []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
        env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    database = Database.from_settings(Settings.from_env(env, cwd=tmp_path))
    config = migrate.alembic_config("main")
    try:
        with database.main.begin() as connection:
            config.attributes["connection"] = connection
            for revision, rows in steps:
                command.upgrade(config, revision)
                for row in rows:
                    connection.execute(text(row))
        yield database
    finally:
        database.dispose()
        if base:
            _drop_schemas(base, schemas)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Iterator[Settings]:
    root = tmp_path_factory.mktemp("helpdesk")
    env = {"HELPDESK_SECRET_KEY": secrets.token_urlsafe(32), "HELPDESK_INDEX_DIR": str(root / "index"),
           "HELPDESK_DATA_DIR": str(root / "data"), "HELPDESK_PERSONAL_KEYS": TEST_KEYS}
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    schemas: list[str] = []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
        env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    yield Settings.from_env(env, cwd=root)
    if base:
        _drop_schemas(base, schemas)


@pytest.fixture(scope="session")
def db(settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app(settings, db) -> Litestar:
    return create_app(settings, database=db)


@pytest.fixture(scope="session")
def agent(db):
    from tests import factories

    return factories.agent(db, "asha.agent@helpdesk.local", PASSWORD, name="Asha Agent")


def sign_in(client: TestClient, email: str, password: str = PASSWORD):
    """Sign in through the real form, CSRF token included."""
    page = client.get("/signin")
    token = csrf_from(page.text)
    return client.post("/signin", data={"email": email, "password": password, "_csrf_token": token}, follow_redirects=False)


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """A fresh working directory for `helpdesk` commands, configured as an operator would: secret and keys set."""
    monkeypatch.chdir(tmp_path)
    for name in ("HELPDESK_DATABASE_URL", "HELPDESK_PERSONAL_DATABASE_URL", "HELPDESK_INDEX_DIR", "HELPDESK_DATA_DIR",
                 "HELPDESK_PERSONAL_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HELPDESK_SECRET_KEY", "test-secret-test-secret-test-secret")
    monkeypatch.setenv("HELPDESK_PERSONAL_KEYS", TEST_KEYS)
    return tmp_path


@pytest.fixture
def anon(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(app, agent) -> Iterator[TestClient]:
    """A signed-in agent's browser."""
    with TestClient(app) as client:
        response = sign_in(client, agent.email)
        assert response.status_code == 303, response.text
        yield client


def parse(html: str) -> HTMLParser:
    return HTMLParser(html)


def texts(tree: HTMLParser, selector: str) -> list[str]:
    return [node.text(strip=True) for node in tree.css(selector)]


@dataclass
class QueryCounter:
    count: int = 0
    statements: list[str] | None = None


@pytest.fixture
def count_queries(db):
    """Count SQL statements on both stores while the test runs."""
    counter = QueryCounter(statements=[])

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "SELECT 1"):
            return
        counter.count += 1
        counter.statements.append(statement)

    for engine in (db.main, db.personal):
        event.listen(engine, "before_cursor_execute", before)
    yield counter
    for engine in (db.main, db.personal):
        event.remove(engine, "before_cursor_execute", before)


from tests.world import world  # noqa: E402,F401  (a shared fixture: the known customer)
