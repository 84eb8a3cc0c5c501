"""Two desks as two machines: two `helpdesk serve` processes sharing the PostgreSQL databases and the secret, each
with its own data and index directories (and so its own indexer), plus an indexer-only machine killed mid-batch."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from whoosh import index as whoosh_index

from helpdesk import migrate
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.search import documents
from helpdesk.search.layout import IndexLayout
from tests import factories
from tests.claims.conftest import JPEG
from tests.conftest import PASSWORD, TEST_KEYS, _drop_schemas, _postgres_urls, csrf_from, parse

BASE_URL = os.environ.get("HELPDESK_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(
    not BASE_URL, reason="several machines share one database server: PostgreSQL only (set HELPDESK_TEST_DATABASE_URL)")

NOTES = 100
BATCH = 10
SEARCHABLE_WITHIN = 2.0
STARTUP_SECONDS = 60


@dataclass
class Machine:
    name: str
    env: dict[str, str]
    index_dir: Path
    port: int | None = None
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *args: str) -> None:
        self.log = self.log or self.index_dir.parent / f"{self.name}.log"
        with self.log.open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "helpdesk", *args], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text()[-3000:] if self.log and self.log.exists() else ""

    def index_keys(self) -> list[str]:
        """Every live document key in this machine's index (its current generation)."""
        directory = IndexLayout(self.index_dir).current_dir()
        if directory is None:
            return []
        with whoosh_index.open_dir(str(directory)).searcher() as searcher:
            return [fields["key"] for fields in searcher.all_stored_fields()]


@dataclass
class Desks:
    a: Machine
    b: Machine
    database: Database
    agent_email: str
    customer: object
    ticket_number: str
    buyer: dict = field(default_factory=dict)
    tmp: Path | None = None
    env: dict[str, str] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(check, *, timeout: float, interval: float = 0.05, what="") -> float:
    """Poll until check() is true; returns the seconds it took (AssertionError after timeout)."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {what() if callable(what) else what}")
        time.sleep(interval)


def _answers(machine: Machine) -> bool:
    try:
        return httpx.get(f"{machine.url}/signin", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _db_documents(database: Database) -> int:
    with database.read() as session:
        return documents.count_all(session)


@pytest.fixture(scope="module")
def desks(tmp_path_factory) -> Iterator[Desks]:
    tmp = tmp_path_factory.mktemp("two-desks")
    main_url, personal_url, schemas = _postgres_urls(BASE_URL)
    shared = {**os.environ, "HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url,
              "HELPDESK_SECRET_KEY": secrets.token_urlsafe(32), "HELPDESK_PERSONAL_KEYS": TEST_KEYS,
              "HELPDESK_STATS_REFRESH_SECONDS": "0", "HELPDESK_DB_POOL_SIZE": "3", "HELPDESK_DB_POOL_OVERFLOW": "3"}
    shared.pop("HELPDESK_REDIS_URL", None)  # sessions in the database here; Redis is tested in tests/auth
    database = Database.from_settings(Settings.from_env(shared, cwd=tmp))
    migrate.upgrade(database)
    email = "two.desks@helpdesk.local"
    factories.agent(database, email, PASSWORD, name="Two Desks")
    customer = factories.customer(database, name="Shared Shanti", phone="+919876501234")
    product = factories.product(database, name="Mixer grinder 500 W", model_number="MG-500", warranty_months=24)
    purchase = factories.purchase(database, customer, on=datetime.now(UTC).date() - timedelta(days=30),
                                  lines=[(product, "MG-SN-1", 350_000)])
    ticket = factories.ticket(database, customer, subject="Mixer jar leaking")
    machines = []
    for name in ("a", "b"):
        env = {**shared, "HELPDESK_DATA_DIR": str(tmp / name / "data"), "HELPDESK_INDEX_DIR": str(tmp / name / "index")}
        machine = Machine(name, env, tmp / name / "index", port=_free_port())
        (tmp / name).mkdir()
        machine.start("serve", "--port", str(machine.port))
        machines.append(machine)
    try:
        for machine in machines:
            _wait_until(lambda: _answers(machine) or machine.process.poll() is not None, timeout=STARTUP_SECONDS,
                        what=f"desk {machine.name} starting")
            assert machine.process.poll() is None, machine.output()
        yield Desks(machines[0], machines[1], database, email, customer, ticket.number, tmp=tmp, env=shared,
                    buyer={"line": factories.line_of(database, purchase).id, "order": purchase.order_number})
    finally:
        for machine in machines:
            machine.stop()
        database.dispose()
        _drop_schemas(BASE_URL, schemas)


def _signed_in(machine: Machine, email: str) -> httpx.Client:
    browser = httpx.Client(base_url=machine.url, timeout=10)
    page = browser.get("/signin")
    response = browser.post("/signin", data={"email": email, "password": PASSWORD, "_csrf_token": csrf_from(page.text)})
    assert response.status_code == 303, response.text
    return browser


def _on(machine: Machine, browser: httpx.Client) -> httpx.Client:
    """The same browser (its cookies) sent by the load balancer to another machine."""
    return httpx.Client(base_url=machine.url, cookies=browser.cookies, timeout=10)


def _search_total(browser: httpx.Client, word: str) -> int:
    response = browser.get("/api/search", params={"q": word})
    if response.status_code != 200:
        return -1
    return response.json()["total"]


def test_a_session_from_one_desk_is_valid_on_the_other(desks):
    on_a = _signed_in(desks.a, desks.agent_email)
    on_b = _on(desks.b, on_a)
    home = on_b.get("/")
    assert home.status_code == 200, "desk B must accept a session signed in on desk A"
    # A form rendered on B posts to A: the CSRF secret lives in the shared session.
    form_on_b = on_b.get(f"/customers/{desks.customer.code}")
    assert form_on_b.status_code == 200
    moved = on_a.post("/signout", data={"_csrf_token": csrf_from(form_on_b.text)})
    assert moved.status_code == 303 and moved.headers["location"] == "/signin"
    # Signed out on A: ended on B too.
    assert on_b.get("/").status_code == 303


def test_notes_written_through_both_desks_are_searchable_on_both(desks):
    browsers = [_signed_in(desks.a, desks.agent_email)]
    browsers.append(_on(desks.b, browsers[0]))
    token = {"x-csrftoken": browsers[0].cookies.get("csrftoken")}
    word = "quasarkettle"
    slowest = 0.0
    for batch in range(NOTES // BATCH):
        for index in range(batch * BATCH, (batch + 1) * BATCH):
            browser = browsers[index % 2]  # alternately through A and B
            response = browser.post(f"/api/tickets/{desks.ticket_number}/interactions", headers=token,
                                    json={"kind": "note", "body": f"Note {index}: {word} seal replaced"})
            assert response.status_code == 201, response.text
        written = (batch + 1) * BATCH
        for browser in browsers:
            slowest = max(slowest, _wait_until(lambda: _search_total(browser, word) == written, timeout=SEARCHABLE_WITHIN,
                                               what=f"{written} notes searchable on {browser.base_url}"))
    expected = _db_documents(desks.database)
    for machine in (desks.a, desks.b):
        _wait_until(lambda: len(machine.index_keys()) == expected, timeout=SEARCHABLE_WITHIN,
                    what=f"desk {machine.name}'s index holds the database's {expected} documents")
        keys = machine.index_keys()
        assert len(keys) == len(set(keys)) == expected
    print(f"slowest batch searchable after {slowest:.2f} s")


def test_a_photo_uploaded_on_one_desk_is_served_by_the_other(desks):
    on_a = _signed_in(desks.a, desks.agent_email)
    on_a.get("/")
    filed = on_a.post("/claims", headers={"x-csrftoken": on_a.cookies.get("csrftoken")},
                      data={"customer": desks.customer.code, "purchase_line_id": str(desks.buyer["line"]),
                            "fault_category": "Does not work", "description": "Jar leaks at the base", "remedy": "repair",
                            "preferred_contact_time": "morning"},
                      files=[("photos", ("jar.jpg", JPEG, "image/jpeg"))])
    assert filed.status_code == 303, filed.text
    claim_url = filed.headers["location"]
    on_b = _on(desks.b, on_a)
    page = parse(on_b.get(claim_url).text)
    source = page.css_first("img.claim-photo").attributes["src"]
    photo = on_b.get(source)
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg" and photo.headers["cache-control"] == "no-store"
    assert not (Path(desks.a.env["HELPDESK_DATA_DIR"]) / "uploads").exists()


def test_public_page_throttling_is_counted_across_both_desks(desks):
    code = desks.customer.code
    statuses = []
    for attempt in range(6):
        machine = (desks.a, desks.b)[attempt % 2]
        public = httpx.Client(base_url=machine.url, timeout=10)
        page = public.get("/warranty")
        response = public.post("/warranty", data={"customer": code, "second": "0000",
                                                  "_csrf_token": csrf_from(page.text)})
        statuses.append(response.status_code)
    # Five wrong tries for one ID, spread over both desks, use up its 15-minute budget: the sixth is refused.
    assert statuses == [400, 400, 400, 400, 400, 429]


def test_an_indexer_killed_mid_batch_catches_up_with_nothing_lost_or_doubled(desks):
    follower = Machine("c", {**desks.env, "HELPDESK_DATA_DIR": str(desks.tmp / "c" / "data"),
                             "HELPDESK_INDEX_DIR": str(desks.tmp / "c" / "index")}, desks.tmp / "c" / "index")
    (desks.tmp / "c").mkdir()
    follower.start("index", "follow")
    try:
        _wait_until(lambda: len(follower.index_keys()) == _db_documents(desks.database), timeout=STARTUP_SECONDS,
                    interval=0.2, what="the indexer-only machine building its index")
        before = len(follower.index_keys())
        # Several batches' worth of notes at once, then kill -9 while the follower works through them.
        factories.interactions(desks.database, desks.customer, [f"burst {i} zephyrblender" for i in range(1_500)],
                               start=datetime.now(UTC) - timedelta(days=1), step=timedelta(seconds=1), kind="note")
        expected = _db_documents(desks.database)
        _wait_until(lambda: before < len(follower.index_keys()) < expected, timeout=10, interval=0.02,
                    what="the follower part-way through the burst")
        follower.process.send_signal(signal.SIGKILL)
        follower.process.wait(timeout=10)
        assert len(follower.index_keys()) < expected, "the kill came after the follower had finished"
        follower.start("index", "follow")
        _wait_until(lambda: len(follower.index_keys()) == expected, timeout=30, interval=0.2,
                    what=lambda: f"the restarted follower catching up to {expected} documents (has "
                                 f"{len(follower.index_keys())}): {follower.output()}")
        keys = follower.index_keys()
        assert len(keys) == len(set(keys)) == expected, "a document lost or doubled"
        # The desks' own indexers were not disturbed.
        for machine in (desks.a, desks.b):
            _wait_until(lambda: len(machine.index_keys()) == expected, timeout=10, interval=0.2,
                        what=f"desk {machine.name} following the burst")
            assert machine.process.poll() is None
    finally:
        follower.stop()
