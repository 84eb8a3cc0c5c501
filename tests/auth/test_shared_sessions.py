"""Sessions shared by every machine: in the database by default, in Redis when HELPDESK_REDIS_URL is set."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from helpdesk.app import create_app
from helpdesk.auth.models import StoredSession
from helpdesk.auth.session_store import DatabaseStore
from helpdesk.db import Database
from helpdesk.timeutil import utcnow
from tests.conftest import csrf_from, sign_in

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_reachable() -> bool:
    address = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((address.hostname, address.port), timeout=0.5):
            return True
    except OSError:
        return False


def _second_machine(settings, tmp_path, **changes):
    """Another desk on the same databases and secret: its own connections, data and index directories."""
    other = dataclasses.replace(settings, data_dir=tmp_path / "b-data", index_dir=tmp_path / "b-index", **changes)
    database = Database.from_settings(other)
    return create_app(other, database=database), database


def _hand_over(machine_a: TestClient, machine_b: TestClient) -> None:
    """The browser's cookies, as a load balancer would send them to the other machine."""
    for name, value in machine_a.cookies.items():
        machine_b.cookies.set(name, value)


def _signed_in_on_a_valid_on_b(app_a, app_b, agent) -> str:
    # One client per machine for the whole test: each runs its app on one event loop, as a server process does.
    with TestClient(app_a) as machine_a, TestClient(app_b) as machine_b:
        assert sign_in(machine_a, agent.email).status_code == 303
        session_id = machine_a.cookies["helpdesk_session"]
        _hand_over(machine_a, machine_b)
        home = machine_b.get("/", follow_redirects=False)
        assert home.status_code == 200, "a session signed in on machine A must be valid on machine B"
        # A form rendered by B posts to A (the CSRF secret is in the shared session), and signing out there ends
        # it everywhere.
        signout = machine_a.post("/signout", data={"_csrf_token": csrf_from(home.text)}, follow_redirects=False)
        assert signout.status_code == 303 and signout.headers["location"] == "/signin"
        machine_b.cookies.clear()
        machine_b.cookies.set("helpdesk_session", session_id)
        assert machine_b.get("/", follow_redirects=False).status_code == 303
    return session_id


def test_a_session_from_one_machine_is_valid_on_another(app, db, settings, agent, tmp_path):
    app_b, database_b = _second_machine(settings, tmp_path)
    try:
        _signed_in_on_a_valid_on_b(app, app_b, agent)
    finally:
        database_b.dispose()
    assert not (tmp_path / "b-data" / "sessions").exists(), "no session may be kept in a machine's own files"


def test_sessions_are_rows_that_expire_with_the_session(app, db, settings, agent):
    with TestClient(app) as browser:
        session_id = sign_in(browser, agent.email).cookies["helpdesk_session"]
    with db.read() as session:
        row = session.execute(select(StoredSession.expires_at).where(StoredSession.key.like(f"%{session_id}"))).one()
    expected = utcnow() + timedelta(seconds=settings.session_max_age)
    assert abs((row.expires_at - expected).total_seconds()) < 60


def test_an_expired_session_is_refused_and_purged(db):
    store = DatabaseStore(db)

    async def scenario():
        await store.set("expired-one", b"{}", expires_in=timedelta(seconds=-1))
        await store.set("live-one", "{}", expires_in=600)
        await store.set("forever-one", b"{}")
        assert await store.get("expired-one") is None
        assert not await store.exists("expired-one")
        assert await store.get("live-one") == b"{}"
        assert 590 <= await store.expires_in("live-one") <= 600
        assert await store.expires_in("forever-one") is None
        # Renewing moves the expiry forward.
        await store.get("live-one", renew_for=3600)
        assert await store.expires_in("live-one") > 3500
        await store.delete("forever-one")
        assert await store.get("forever-one") is None

    asyncio.run(scenario())
    # Writes sweep expired rows now and then (at most once a minute); the sweep itself takes them all.
    asyncio.run(store.set("expired-two", b"{}", expires_in=timedelta(seconds=-1)))
    assert store.purge_expired() >= 1
    with db.read() as session:
        keys = set(session.execute(select(StoredSession.key)).scalars())
    assert not {"expired-one", "expired-two"} & keys and "live-one" in keys
    asyncio.run(store.delete("live-one"))


@pytest.mark.skipif(not _redis_reachable(), reason=f"no Redis server at {REDIS_URL}")
def test_with_redis_configured_a_session_lives_in_redis_and_is_valid_on_both(app, db, settings, agent, tmp_path):
    import redis

    redis_app, redis_database = _second_machine(settings, tmp_path / "a", redis_url=REDIS_URL)
    other_app, other_database = _second_machine(settings, tmp_path / "b", redis_url=REDIS_URL)
    try:
        with db.read() as session:
            rows_before = session.execute(select(StoredSession.key)).all()
        session_id = _signed_in_on_a_valid_on_b(redis_app, other_app, agent)
        with db.read() as session:
            assert session.execute(select(StoredSession.key)).all() == rows_before, "Redis configured: no rows"
        # Signed out: gone from Redis too. A fresh sign-in is there, with the session's lifetime.
        client = redis.Redis.from_url(REDIS_URL)
        assert not client.keys(f"*{session_id}")
        with TestClient(redis_app) as browser:
            fresh = sign_in(browser, agent.email).cookies["helpdesk_session"]
        (key,) = client.keys(f"*{fresh}")
        assert settings.session_max_age - 60 < client.ttl(key) <= settings.session_max_age
        client.delete(key)
        client.close()
    finally:
        redis_database.dispose()
        other_database.dispose()
