"""Engines for the main store and the personal-data store, SQLite pragmas, and sessions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session

from helpdesk.config import Settings
from helpdesk.privacy import keys
from helpdesk.privacy.crypto import KeyRing
from helpdesk.privacy.models import PersonalBase

log = logging.getLogger("helpdesk.db")

_IMMEDIATE = "helpdesk_begin_immediate"
PERSONAL_KEYS = "personal_keys"


class DatabaseConfigError(RuntimeError):
    """The configured database URL cannot be used; the message says why in one line."""


def _configure_sqlite(engine: Engine, *, secure_delete: bool = False) -> None:
    """Pragmas on every connection, and transactions we begin ourselves.

    pysqlite's legacy transaction handling begins lazily and loses concurrent read-modify-write
    updates; we switch it off and emit BEGIN (reads) or BEGIN IMMEDIATE (writes, taking the write
    lock up front so a busy writer waits on busy_timeout instead of failing mid-transaction).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if secure_delete:
            # Overwrite deleted and updated content instead of leaving it in free pages (erasure, re-encryption).
            cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(_IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


@dataclass(frozen=True)
class PoolSettings:
    """Connections per store and process. Every process opens up to size + overflow per store (the indexer
    thread has its own pool of the same size): processes × machines × 2 stores × 2 pools × (size + overflow)
    must stay under the server's max_connections."""

    size: int = 5
    overflow: int = 5
    recycle_seconds: int = 1800


def make_engine(url: str, *, secure_delete: bool = False, pool: PoolSettings = PoolSettings()) -> Engine:
    """An engine for one store; SQLite files get their directory created and our pragmas."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseConfigError(f"cannot parse database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            path = Path(database)
            if not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                log.info("database file %s does not exist yet: creating it", path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _configure_sqlite(engine, secure_delete=secure_delete)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    try:
        # No ping before each checkout (a round trip per request): connections are recycled before servers and
        # firewalls drop idle ones, and a connection that died anyway is replaced after its first error.
        return create_engine(url, pool_pre_ping=False, pool_recycle=pool.recycle_seconds, pool_size=pool.size,
                             max_overflow=pool.overflow)
    except Exception as exc:  # noqa: BLE001 - any driver import/config failure becomes one clear line
        raise DatabaseConfigError(f"cannot use database URL {parsed!r}: {exc}") from None


class TwoStoreSession(Session):
    """Routes personal-store tables to their engine, everything else to the main one.

    Cheaper than Session(binds=...), which inspects every statement's entities on every execute.
    """

    def __init__(self, *, main: Engine, personal: Engine, keyring: KeyRing | None = None) -> None:
        # The key ring travels with the session: helpdesk.privacy.store, the one module that touches personal
        # data, finds it here, so no caller has to pass keys along.
        super().__init__(bind=main, expire_on_commit=False, info={PERSONAL_KEYS: keyring})
        self._personal_engine = personal

    def get_bind(self, mapper=None, clause=None, **kw):
        if mapper is not None and mapper.class_ is not None and issubclass(mapper.class_, PersonalBase):
            return self._personal_engine
        if clause is not None and mapper is None:
            # Core statements on personal-store tables carry no mapper: look at the tables they read or write.
            # The selected columns' tables first: get_final_froms() compiles the statement to find its FROM list
            # (milliseconds for the customer page's header query), and a statement never spans the two stores.
            tables = getattr(clause, "columns_clause_froms", None) or (
                clause.get_final_froms() if hasattr(clause, "get_final_froms") else [getattr(clause, "table", None)])
            for table in tables:
                if getattr(table, "metadata", None) is PersonalBase.metadata:
                    return self._personal_engine
        return self.bind


@dataclass
class Database:
    """Both stores, and the personal-data keys. Read sessions begin plainly; write sessions take the write lock
    up front on SQLite."""

    main: Engine
    personal: Engine
    keyring: KeyRing | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, create_keys: bool = False) -> Database:
        """Both stores, with the keys the settings name (KeyConfigError, one line, when there are none).

        create_keys=True (demo data, local use) makes a key file when there is none; a server never does.
        """
        keyring = keys.load_for(settings, create=create_keys)
        pool = PoolSettings(settings.db_pool_size, settings.db_pool_overflow, settings.db_pool_recycle)
        # secure_delete on the main store too: an erasure rewrites history text there, and the old text must not
        # linger in free pages (helpdesk/privacy/erasure.py).
        return cls(main=make_engine(settings.database_url, secure_delete=True, pool=pool),
                   personal=make_engine(settings.personal_database_url, secure_delete=True, pool=pool),
                   keyring=keyring)

    def _session(self, *, write: bool, snapshot: bool = False) -> TwoStoreSession:
        return TwoStoreSession(main=self._engine(self.main, write, snapshot),
                               personal=self._engine(self.personal, write, snapshot), keyring=self.keyring)

    @staticmethod
    def _engine(engine: Engine, write: bool, snapshot: bool) -> Engine:
        if write:
            return engine.execution_options(**{_IMMEDIATE: True})
        if engine.dialect.name == "postgresql" and not snapshot:
            # A page's reads need no transaction on PostgreSQL (READ COMMITTED gives each statement its own
            # snapshot anyway): autocommit saves the BEGIN and the ROLLBACK, two round trips per connection.
            return engine.execution_options(isolation_level="AUTOCOMMIT")
        return engine

    def reader_engine(self) -> Engine:
        """The main store's engine as page reads use it, for a hot path that needs no ORM session (made once)."""
        if (reader := self.__dict__.get("_reader")) is None:
            reader = self.__dict__["_reader"] = self._engine(self.main, write=False, snapshot=False)
        return reader

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for a page's or an answer's reads."""
        session = self._session(write=False)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A session for a long read that must see one consistent state (a rebuild, an export); rolled back."""
        session = self._session(write=False, snapshot=True)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for a unit of work; the caller (a service) commits, anything else rolls back."""
        session = self._session(write=True)
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def check(self) -> None:
        """Connect to both stores once, turning failures into one clear error."""
        for name, engine in (("main", self.main), ("personal", self.personal)):
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
            except Exception as exc:  # noqa: BLE001
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise DatabaseConfigError(f"cannot connect to the {name} database ({engine.url!r}): {reason}") from None

    def dispose(self) -> None:
        self.main.dispose()
        self.personal.dispose()
