"""Canaries: a known name, phone and e-mail must be in none of the files a thief or a careless backup would take.

A real server (uvicorn, its access log and every app log written to a file) on stores of its own (SQLite files, so
their bytes can be read), used over HTTP: after normal use, after a reveal, and after an erasure, read the raw
personal store, its -wal, a VACUUM INTO backup, the main store, the search index files, the session files and the
server log.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import uvicorn

from helpdesk.app import create_app
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.search.layout import IndexLayout
from helpdesk.search import purge
from tests import factories
from tests.conftest import PASSWORD, csrf_from

CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's own HTTP client logs full URLs; it is not the server


class _ServerOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(CLIENT_LOGGERS)


def _wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def served(settings, tmp_path_factory) -> Iterator[SimpleNamespace]:
    root = tmp_path_factory.mktemp("canaries")
    own = dataclasses.replace(settings, database_url=f"sqlite:///{root}/main.db",
                              personal_database_url=f"sqlite:///{root}/personal.db", index_dir=root / "index",
                              data_dir=root / "data")
    database = Database.from_settings(own)
    app = create_app(own, database=database)
    log_file = root / "server.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(_ServerOnly())
    levels = {name: logging.getLogger(name).level for name in ("uvicorn.access", "uvicorn.error", "helpdesk", "litestar")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    # uvicorn's own logging setup (another test's server may have run it) stops the access log propagating.
    logging.getLogger("uvicorn.access").addHandler(handler)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=sock.getsockname()[1], log_config=None,
                                           access_log=True))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: server.started, "uvicorn to start")
        layout = IndexLayout(own.index_dir)
        _wait_for(lambda: layout.current_dir() is not None, "the first search index")
        yield SimpleNamespace(url=f"http://127.0.0.1:{sock.getsockname()[1]}", db=database, settings=own, root=root,
                              log_file=log_file, layout=layout)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        logging.getLogger().removeHandler(handler)
        logging.getLogger("uvicorn.access").removeHandler(handler)
        handler.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        database.dispose()


def _signed_in(served, role: str) -> httpx.Client:
    agent = factories.agent(served.db, f"{role}.{secrets.token_hex(3)}@helpdesk.local", role=role, name=f"Canary {role}")
    client = httpx.Client(base_url=served.url, follow_redirects=False, timeout=30)
    token = csrf_from(client.get("/signin").text)
    assert client.post("/signin", data={"email": agent.email, "password": PASSWORD, "_csrf_token": token}).status_code == 303
    return client


def _post(client: httpx.Client, path: str, data: dict, page: str, **kwargs) -> httpx.Response:
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "_csrf_token": token}, **kwargs)


def _canary(db) -> SimpleNamespace:
    tag = secrets.token_hex(4)
    digits = f"{int(tag, 16) % 10**8:08d}"
    person = SimpleNamespace(name=f"Canarya Devi{tag}", phone=f"+9198{digits}", national=f"98{digits}",
                             email=f"canarya.{tag}@example.in", tag=tag)
    row = factories.customer(db, name=person.name, phone=person.phone, email=person.email, city="Agra")
    person.code, person.id = row.code, row.id
    person.needles = [person.name, tag, person.phone, person.national, f"{person.national[:5]} {person.national[5:]}",
                      person.email]
    return person


def _files(served, tmp: Path) -> list[Path]:
    """The stores with their -wal and -shm (sessions are rows there), fresh VACUUM INTO backups, every index file,
    the log."""
    files = []
    for name in ("main", "personal"):
        path = served.root / f"{name}.db"
        files += [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        backup = tmp / f"{name}-{secrets.token_hex(3)}.backup.db"
        with sqlite3.connect(path) as connection:
            connection.execute("VACUUM INTO ?", (str(backup),))
        files.append(backup)
    files += [p for p in served.layout.root.rglob("*") if p.is_file()]
    files.append(served.log_file)
    return files


def _assert_nowhere(served, tmp: Path, person: SimpleNamespace, stage: str) -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = _files(served, tmp)
    assert any(p.name.endswith(".seg") or p.suffix in (".trm", ".pst", ".toc") for p in files), "no index files found"
    for path in files:
        content = path.read_bytes().lower()
        for needle in person.needles:
            assert needle.lower().encode() not in content, f"{stage}: {needle!r} found in {path}"


def _index_settled(served) -> bool:
    return purge.is_settled(served.db, served.layout)


def test_no_canary_anywhere_after_normal_use_a_reveal_and_an_erasure(served, tmp_path):
    agent = _signed_in(served, "agent")
    kept = _canary(served.db)
    # Normal use: the page, every kind of lookup (the number in the URL too), search, a call logged.
    assert agent.get(f"/customers/{kept.code}").status_code == 200
    assert agent.get("/lookup", params={"q": kept.national}).status_code == 303
    assert agent.get("/api/lookup", params={"phone": kept.phone}).status_code == 200
    assert agent.get("/search", params={"q": "compressor", "customer": kept.code}).status_code == 200
    logged = _post(agent, f"/customers/{kept.code}/calls", {"summary": "Asked about the compressor warranty",
                                                            "body": "Explained the terms", "outcome": "resolved"},
                   f"/customers/{kept.code}")
    assert logged.status_code == 303
    _wait_for(lambda: _index_settled(served), "the indexer")
    _assert_nowhere(served, tmp_path, kept, "after normal use")

    # A reveal: the value reaches the agent's screen, and nothing else.
    revealed = _post(agent, f"/customers/{kept.code}/fields/phone/reveal", {"reason": "call_back"},
                     f"/customers/{kept.code}", headers={"HX-Request": "true"})
    assert kept.national[5:] in revealed.text
    _post(agent, f"/customers/{kept.code}/fields/email/reveal", {"reason": "confirm_details"}, f"/customers/{kept.code}")
    assert kept.email in agent.get(f"/customers/{kept.code}").text
    _assert_nowhere(served, tmp_path, kept, "after a reveal")

    # An erasure: a customer whose history names them in every way, indexed, then erased by a supervisor.
    gone = _canary(served.db)
    with served.db.read() as session:
        customer = session.get(Customer, gone.id)
    factories.interactions(served.db, customer, [
        f"{gone.name} rang from {gone.national[:5]}-{gone.national[5:]}; reply to {gone.email}",
    ], start=datetime(2025, 1, 5, tzinfo=UTC))
    _wait_for(lambda: _index_settled(served), "the indexer")
    supervisor = _signed_in(served, "supervisor")
    assert supervisor.get("/api/search", params={"q": gone.tag}).json()["total"] >= 1
    holding = {path.parent.name if path.parent != served.root else path.name
               for path in _files(served, tmp_path) if gone.tag.encode() in path.read_bytes()}
    assert holding & {"main.db", "main.db-wal"} and any(name.startswith("gen-") for name in holding), \
        f"the test must see the text before the erasure (found in {sorted(holding)})"
    erased = _post(supervisor, f"/privacy/customers/{gone.code}/erase", {"confirm": gone.code, "reason": "By e-mail"},
                   f"/privacy/customers/{gone.code}")
    assert erased.status_code == 200 and "Personal data erased" in erased.text
    _wait_for(lambda: _index_settled(served), "the purge of the erased text")
    # A search page repeats what was typed; apart from that echo, it must find and show nothing.
    searches = [supervisor.get(path, params={"q": q}).text.replace(q, "").replace(q.replace(" ", "+"), "")
                for path, q in (("/api/search", gone.tag), ("/search", gone.name), ("/search", gone.email))]
    answers = [*searches, supervisor.get(f"/customers/{gone.code}").text, supervisor.get(f"/api/customers/{gone.code}").text,
               supervisor.get("/api/lookup", params={"phone": gone.phone}).text,
               _post(supervisor, f"/privacy/customers/{gone.code}/export", {"format": "json", "reason": "check"},
                     f"/privacy/customers/{gone.code}").text]
    for text in answers:
        for needle in gone.needles:
            assert needle.lower() not in text.lower(), f"{needle!r} still answered"
    assert supervisor.get("/api/search", params={"q": gone.tag}).json()["total"] == 0
    _assert_nowhere(served, tmp_path, gone, "after an erasure")
    _assert_nowhere(served, tmp_path, kept, "after an erasure (the other customer)")
    log = served.log_file.read_text()
    assert "/api/lookup?phone=***" in log, "the access log was not captured"
