"""Outbox and indexer: changes reach the index in time, crashes lose and duplicate nothing, rebuilds swap safely."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from helpdesk.search import changes, service
from helpdesk.search import indexer as indexer_module
from helpdesk.search.cursor import read_cursor
from helpdesk.search.engine import STAMP, Filters, SearchEngine, SearchUnavailable
from helpdesk.search.indexer import Indexer
from helpdesk.search.layout import IndexLayout
from helpdesk.search.models import DocType
from helpdesk.search.outbox import record_change
from helpdesk.search.rebuild import RebuildInProgress, rebuild
from helpdesk.search.runtime import SearchRuntime
from helpdesk.search.service import SearchParams
from helpdesk.history.models import Interaction
from helpdesk.tickets.models import Ticket
from tests import factories
from tests.search.conftest import build_index, make_agent, note


@pytest.fixture(scope="module")
def people(store):
    agent = make_agent(store.db, "Outbox Agent")
    return agent, factories.customer(store.db, name="Outbox Customer")


@dataclass
class Index:
    layout: IndexLayout
    engine: SearchEngine
    indexer: Indexer


@pytest.fixture
def index(store, tmp_path) -> Index:
    layout, engine = build_index(store.db, tmp_path / "index")
    return Index(layout, engine, Indexer(store.db, layout, engine))


def hits(store, engine, q: str, **filters) -> list[str]:
    with store.db.read() as session:
        results = service.search(session, engine, SearchParams(q=q, **filters))
    assert results.unavailable is None
    return [hit.key for hit in results.hits]


def pending(store, index) -> int:
    """Logged changes the live generation has not applied yet."""
    return changes.pending_count(store.db, read_cursor(index.layout.current_dir()))


def drain_all(store, index) -> None:
    """Other tests in the module leave rows behind for indexes of their own: start each test clean."""
    index.indexer.drain()


def test_a_note_written_through_the_ticket_service_is_found_after_the_indexer_runs(store, people, index):
    from helpdesk.tickets import calls as tickets
    from helpdesk.tickets.models import CallLog

    agent, customer = people
    drain_all(store, index)
    with store.db.write() as session:
        tickets.log_call(session, customer=session.merge(customer), agent_id=agent.id,
                         data=CallLog(summary="Geyser", body="geyser thermostat zylophonic hum"))
    assert hits(store, index.engine, "zylophonic") == []
    assert index.indexer.run_once() >= 1
    assert len(hits(store, index.engine, "zylophonic")) == 1
    assert pending(store, index) == 0


def test_a_crash_between_reading_and_committing_loses_nothing(store, people, index):
    agent, customer = people
    drain_all(store, index)
    row = note(store.db, customer, "quixotic compressor rattle", author_id=agent.id)

    def crash():
        raise RuntimeError("simulated crash after reading the outbox, before the index commit")

    index.indexer.before_commit = crash
    with pytest.raises(RuntimeError, match="simulated crash"):
        index.indexer.run_once()
    assert hits(store, index.engine, "quixotic") == [] and pending(store, index) == 1

    restarted = Indexer(store.db, index.layout, index.engine)
    assert restarted.run_once() == 1
    assert hits(store, index.engine, "quixotic") == [f"interaction:{row.id}"]
    assert index.engine.keys_for(Filters(customer=customer.code)).count(f"interaction:{row.id}") == 1
    assert pending(store, index) == 0


def test_a_crash_after_committing_but_before_forgetting_does_not_duplicate(store, people, index, monkeypatch):
    agent, customer = people
    drain_all(store, index)
    row = note(store.db, customer, "zenith freezer frost", author_id=agent.id)
    before = index.engine.doc_count()

    def crash(directory, cursor):
        raise RuntimeError("simulated crash after the index commit, before the cursor was written")

    with monkeypatch.context() as patch:
        patch.setattr(indexer_module, "write_cursor", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            index.indexer.run_once()
    assert pending(store, index) == 1 and hits(store, index.engine, "zenith") == [f"interaction:{row.id}"]

    assert Indexer(store.db, index.layout, index.engine).run_once() == 1
    assert hits(store, index.engine, "zenith") == [f"interaction:{row.id}"]
    assert index.engine.doc_count() == before + 1
    assert pending(store, index) == 0


def test_edits_and_deletions_reach_the_index(store, people, index):
    agent, customer = people
    drain_all(store, index)
    row = note(store.db, customer, "original wording pomegranate", author_id=agent.id)
    index.indexer.run_once()
    with store.db.write() as session:
        edited = session.get(Interaction, row.id)
        edited.body = "corrected wording tamarind"
        record_change(session, DocType.INTERACTION, row.id)
        session.commit()
    index.indexer.run_once()
    assert hits(store, index.engine, "pomegranate") == [] and hits(store, index.engine, "tamarind") == [f"interaction:{row.id}"]
    with store.db.write() as session:
        session.delete(session.get(Interaction, row.id))
        record_change(session, DocType.INTERACTION, row.id)
        session.commit()
    index.indexer.run_once()
    assert hits(store, index.engine, "tamarind") == []


def test_a_ticket_status_change_reaches_its_interactions(store, people, index):
    agent, customer = people
    drain_all(store, index)
    ticket = factories.ticket(store.db, customer, subject="Chimney suction weak", status="open")
    row = note(store.db, customer, "chimney motor xylograph", ticket_id=ticket.id, author_id=agent.id)
    index.indexer.run_once()
    assert hits(store, index.engine, "xylograph", status="open") == [f"interaction:{row.id}"]
    with store.db.write() as session:
        changed = session.get(Ticket, ticket.id)
        changed.status = "solved"
        session.add(changed)
        record_change(session, DocType.TICKET, ticket.id)
        session.commit()
    index.indexer.run_once()
    assert hits(store, index.engine, "xylograph", status="open") == []
    assert hits(store, index.engine, "xylograph", status="solved") == [f"interaction:{row.id}"]


def test_rebuild_while_searches_run(store, people, index):
    agent, customer = people
    for number in range(30):
        note(store.db, customer, f"rebuildable washer drum note {number}", author_id=agent.id, outbox=False)
    rebuild(store.db, index.layout)
    expected = len(hits(store, index.engine, "rebuildable"))
    assert expected == 20  # one full page
    failures: list[str] = []
    counts: list[int] = []
    stop = threading.Event()

    def searcher():
        while not stop.is_set():
            try:
                counts.append(len(hits(store, index.engine, "rebuildable")))
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                failures.append(repr(exc))

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        first = index.layout.current_name()
        rebuild(store.db, index.layout)
        rebuild(store.db, index.layout)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not failures, failures[:3]
    assert counts and set(counts) == {expected}
    assert index.layout.current_name() != first
    # The live generation and the one before it (readers may still hold it) are kept; older ones go.
    assert len(index.layout.generations()) == 2


def test_changes_made_during_a_rebuild_are_not_lost(store, people, index):
    agent, customer = people
    drain_all(store, index)
    written: list[int] = []

    def progress(done, total):
        if not written and done:
            # Mid-rebuild: a note arrives and the live indexer applies it to the old generation.
            written.append(note(store.db, customer, "midrebuild kettle whistle", author_id=agent.id).id)
            assert index.indexer.run_once() == 1
            assert pending(store, index) == 0  # the live generation has it; the new one follows the log

    rebuild(store.db, index.layout, progress=progress)
    assert hits(store, index.engine, "midrebuild") == [f"interaction:{written[0]}"]
    assert pending(store, index) == 0
    assert index.indexer.run_once() == 0


def test_one_rebuild_at_a_time(store, index):
    assert index.layout.rebuild_lock.acquire(timeout=0)
    try:
        with pytest.raises(RebuildInProgress):
            rebuild(store.db, index.layout)
    finally:
        index.layout.rebuild_lock.release()


def test_a_missing_index_is_rebuilt_with_a_log_line(store, tmp_path, caplog):
    layout = IndexLayout(tmp_path / "empty")
    engine = SearchEngine(layout)
    with pytest.raises(SearchUnavailable):
        engine.doc_count()
    with caplog.at_level(logging.WARNING, logger="helpdesk.search"):
        assert Indexer(store.db, layout, engine).ensure_index()
    assert any("is missing: rebuilding it from the database" in r.getMessage() for r in caplog.records)
    assert engine.doc_count() > 0


def test_a_damaged_index_is_detected_shown_calmly_and_rebuilt(store, index, caplog):
    directory = index.layout.current_dir()
    for path in directory.iterdir():
        if path.suffix in (".seg", ".toc") or path.name.endswith(".trm"):
            path.write_bytes(b"\x00garbage")
    fresh = SearchEngine(index.layout)
    with store.db.read() as session:
        results = service.search(session, fresh, SearchParams(q="compressor"))
    assert results.unavailable and not results.hits
    with caplog.at_level(logging.WARNING, logger="helpdesk.search"):
        assert index.indexer.ensure_index()
    assert any("rebuilding it from the database" in r.getMessage() for r in caplog.records)
    assert index.layout.current_dir() != directory
    assert SearchEngine(index.layout).doc_count() > 0


def test_an_index_in_another_format_is_rebuilt(store, index):
    directory = index.layout.current_dir()
    (directory / STAMP).write_text(json.dumps({"format": -1}))
    assert index.indexer.ensure_index()
    assert index.layout.current_dir() != directory


def test_only_one_process_writes_the_index(store, tmp_path):
    layout = IndexLayout(tmp_path / "shared")
    rebuild(store.db, layout)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         ("import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True);"
          " time.sleep(30)"), str(layout.root / "leader.lock")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        indexer = Indexer(store.db, layout, SearchEngine(layout))
        indexer.start()
        time.sleep(0.3)
        assert not indexer.is_leader
        indexer.stop()
    finally:
        holder.kill()
        holder.wait()
    indexer = Indexer(store.db, layout, SearchEngine(layout))
    indexer.start()
    deadline = time.monotonic() + 5
    while not indexer.is_leader and time.monotonic() < deadline:
        time.sleep(0.05)
    indexer.stop()
    assert not layout.leader_lock.is_locked()


def test_a_new_note_is_searchable_within_a_second(store, people, tmp_path):
    agent, customer = people
    runtime = SearchRuntime(store.settings.__class__(**{**store.settings.__dict__, "index_dir": tmp_path / "live"}))
    runtime.start()
    try:
        deadline = time.monotonic() + 20
        while runtime.status != "ready" or (runtime.indexer and not runtime.indexer.is_leader):
            assert time.monotonic() < deadline, "the index was not built in time"
            time.sleep(0.05)
        time.sleep(0.3)
        committed = time.monotonic()
        row = note(store.db, customer, "freshness probe marmalade", author_id=agent.id,
                   created_at=datetime.now(UTC))
        while not hits(store, runtime.engine, "marmalade"):
            assert time.monotonic() - committed < 1.0, "not searchable within a second of the commit"
            time.sleep(0.02)
        assert hits(store, runtime.engine, "marmalade") == [f"interaction:{row.id}"]
    finally:
        runtime.stop()
