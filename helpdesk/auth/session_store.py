"""Where sessions live: a Litestar Store backed by a database table (default), or Redis when HELPDESK_REDIS_URL is set.

Never a per-machine file or process memory: a session signed in through one machine must be valid on every other,
and a form rendered by one must post to another (the CSRF secret travels in the session).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from litestar.concurrency import sync_to_thread
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.auth.models import StoredSession
from helpdesk.db import Database
from helpdesk.timeutil import utcnow

_S: Table = StoredSession.__table__
# Expired rows are swept at most this often per process, a bounded batch at a time, by whichever request writes a
# session: no separate job, and the table never holds more than a day or so of dead sessions.
PURGE_EVERY_SECONDS = 60
PURGE_BATCH = 1_000
_READ = select(_S.c.value, _S.c.expires_at).where(_S.c.key == bindparam("key"))


def _seconds(expires_in: int | timedelta | None) -> float | None:
    if expires_in is None:
        return None
    return expires_in.total_seconds() if isinstance(expires_in, timedelta) else float(expires_in)


class DatabaseStore(Store):
    """Sessions as rows of `web_session`; every call is one short transaction run off the event loop."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._last_purge = 0.0
        # Every request reads its session: a bare connection (autocommit on PostgreSQL, as page reads are) and one
        # prebuilt statement, not an ORM session, keep that read to a fraction of a millisecond.
        self._reader = database.reader_engine()

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await sync_to_thread(self._set, key, value.encode() if isinstance(value, str) else value, _seconds(expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await sync_to_thread(self._get, key, _seconds(renew_for))

    async def delete(self, key: str) -> None:
        await sync_to_thread(self._run, delete(_S).where(_S.c.key == key))

    async def delete_all(self) -> None:
        await sync_to_thread(self._run, delete(_S))

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        return await sync_to_thread(self._expires_in, key)

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete up to PURGE_BATCH expired sessions; returns how many went."""
        now = now or utcnow()
        stale = select(_S.c.key).where(_S.c.expires_at < now).limit(PURGE_BATCH)
        with self.database.write() as session:
            gone = session.execute(delete(_S).where(_S.c.key.in_(stale.scalar_subquery()))).rowcount
            session.commit()
        return gone

    # --- the synchronous work, run in a worker thread ---------------------------------------------------------

    def _set(self, key: str, value: bytes, seconds: float | None) -> None:
        now = utcnow()
        expires_at = now + timedelta(seconds=seconds) if seconds is not None else None
        with self.database.write() as session:
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            statement = insert(_S).values(key=key, value=value, expires_at=expires_at)
            session.execute(statement.on_conflict_do_update(
                index_elements=["key"], set_={"value": statement.excluded.value, "expires_at": expires_at}))
            session.commit()
        if time.monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = time.monotonic()
            self.purge_expired(now=now)

    def _get(self, key: str, renew_for: float | None) -> bytes | None:
        now = utcnow()
        with self._reader.connect() as connection:
            row = connection.execute(_READ, {"key": key}).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None  # an expired row is as good as gone; the purge removes it later
        if renew_for is not None and row.expires_at is not None:
            self._run(update(_S).where(_S.c.key == key).values(expires_at=now + timedelta(seconds=renew_for)))
        return row.value

    def _expires_in(self, key: str) -> int | None:
        with self.database.read() as session:
            expires_at = session.execute(select(_S.c.expires_at).where(_S.c.key == key)).scalar_one_or_none()
        if expires_at is None:
            return None
        return max(0, int((expires_at - utcnow()).total_seconds()))

    def _run(self, statement) -> None:
        with self.database.write() as session:
            session.execute(statement)
            session.commit()


def session_store(redis_url: str | None, database: Database) -> Store:
    """Redis when a URL is configured (shared by every machine pointing at it), else the database."""
    if redis_url:
        # One namespace for our sessions, so a Redis shared with other things can be cleared of ours alone.
        return RedisStore.with_client(url=redis_url, namespace="helpdesk-sessions")
    return DatabaseStore(database)
