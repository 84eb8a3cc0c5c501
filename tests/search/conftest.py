"""Search fixtures: a fresh database per module (SQLite, or PostgreSQL schemas) and a fresh index directory per use."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import delete

from helpdesk import migrate
from helpdesk.app import create_app
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.history import service as history
from helpdesk.history.models import Interaction
from helpdesk.search.engine import SearchEngine
from helpdesk.search.layout import IndexLayout
from helpdesk.search.models import DocType, SearchOutbox
from helpdesk.search.rebuild import rebuild
from tests import factories
from tests.conftest import PASSWORD, _drop_schemas, _postgres_urls, sign_in


@dataclass
class Store:
    """A database of its own, so counts and rankings are not disturbed by other tests' data."""

    settings: Settings
    db: Database


@pytest.fixture(scope="module")
def store(tmp_path_factory, settings) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("search-store")
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    schemas: list[str] = []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
    else:
        main_url, personal_url = f"sqlite:///{root}/main.db", f"sqlite:///{root}/personal.db"
    own = dataclasses.replace(settings, database_url=main_url, personal_database_url=personal_url,
                              index_dir=root / "index", data_dir=settings.data_dir)
    database = Database.from_settings(own)
    migrate.upgrade(database)
    yield Store(own, database)
    database.dispose()
    if base:
        _drop_schemas(base, schemas)


def build_index(db: Database, root: Path) -> tuple[IndexLayout, SearchEngine]:
    layout = IndexLayout(root)
    rebuild(db, layout)
    return layout, SearchEngine(layout)


def note(db: Database, customer, body: str, *, kind: str = "note", channel: str | None = None, author_id=None,
         ticket_id=None, summary=None, created_at: datetime | None = None, outbox: bool = True) -> Interaction:
    """Write an interaction the way the app does (its outbox entry in the same transaction).

    outbox=False then forgets the outbox entry, as if the indexer had lost it: for rebuild tests.
    """
    with db.write() as session:
        row = history.write_entry(session, customer_id=customer.id, kind=kind, channel=channel, body=body,
                                  summary=summary, author_id=author_id, ticket_id=ticket_id,
                                  created_at=created_at or datetime.now(UTC))
        if not outbox:
            session.execute(delete(SearchOutbox).where(SearchOutbox.doc_type == DocType.INTERACTION,
                                                       SearchOutbox.doc_id == row.id))
        session.commit()
        session.refresh(row)
        return row


@pytest.fixture
def client_for(settings, tmp_path):
    """A signed-in test client for an app on the given store, with its own index directory."""
    clients = []

    def make(store: Store, agent, index_dir: Path | None = None) -> TestClient:
        own = dataclasses.replace(store.settings, index_dir=index_dir or tmp_path / "app-index")
        app = create_app(own, database=store.db)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        response = sign_in(client, agent.email)
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def make_agent(db: Database, name: str):
    email = f"{name.split()[0].lower()}.{secrets.token_hex(3)}@helpdesk.local"
    return factories.agent(db, email, PASSWORD, name=name)
