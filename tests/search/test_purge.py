"""After an erasure no index file holds the erased text: segments rewritten in place, older generations dropped."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from helpdesk.audit import service as audit
from helpdesk.privacy import erasure
from helpdesk.search import purge, service
from helpdesk.search.engine import segments_with_deleted
from helpdesk.search.indexer import Indexer
from helpdesk.search.rebuild import rebuild
from helpdesk.search.service import SearchParams
from tests import factories
from tests.search.conftest import build_index, note


def _index_bytes(root: Path) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in root.rglob("*") if path.is_file()]


def _files_holding(root: Path, needle: str) -> list[str]:
    wanted = needle.lower().encode()
    return [str(path.relative_to(root)) for path, content in _index_bytes(root) if wanted in content.lower()]


def _segment_ids(directory: Path) -> list[str]:
    return [segment.segment_id() for segment in whoosh_index.open_dir(str(directory))._read_toc().segments]


def _hits(store, engine, q: str, **filters) -> list[str]:
    with store.db.read() as session:
        results = service.search(session, engine, SearchParams(q=q, **filters))
    return [hit.key for hit in results.hits]


@pytest.fixture
def erased_world(store, tmp_path):
    """Neighbours before and after, and a customer whose notes name them, indexed over several commits."""
    tag = secrets.token_hex(4)
    digits = f"{int(tag, 16) % 10**8:08d}"
    start = datetime.now(UTC) - timedelta(days=3)
    before = factories.customer(store.db, name="Neighbour Before")
    note(store.db, before, "washing machine drum rattles loudly", created_at=start)
    layout, engine = build_index(store.db, tmp_path / "index")
    indexer = Indexer(store.db, layout, engine, auto_rebuild=False)
    person = factories.customer(store.db, name=f"Purgeable Zorawar{tag}", phone=f"+9198{digits}",
                                email=f"zorawar.{tag}@example.in")
    note(store.db, person, f"Zorawar{tag} called from 98{digits} about the geyser thermostat", created_at=start)
    note(store.db, person, f"Reply sent to zorawar.{tag}@example.in: geyser visit booked", created_at=start)
    beside = factories.customer(store.db, name="Neighbour Beside")  # shares a segment with the erased customer
    note(store.db, beside, "chimney filter needs cleaning", created_at=start)
    indexer.drain()
    after = factories.customer(store.db, name="Neighbour After")
    note(store.db, after, "microwave turntable stopped turning", created_at=start)
    indexer.drain()
    return layout, engine, indexer, person, tag, f"98{digits}", (before, beside, after)


def test_erasure_leaves_no_index_file_holding_the_text(store, erased_world):
    layout, engine, indexer, person, tag, national, _ = erased_world
    root = layout.root
    assert _files_holding(root, tag), "the test must be able to see the text in the raw files"
    assert _hits(store, engine, f"zorawar{tag}")
    directory = layout.current_dir()
    with store.db.write() as session:
        erasure.erase_customer(session, actor=audit.SYSTEM, code=person.code,
                               request=erasure.ErasureRequest(confirm=person.code, reason="test"))
    indexer.run_once()  # the redactions, through the outbox: the old copies are now deleted documents
    assert _files_holding(root, tag), "deleted documents keep their words in the segment files"
    order_before = _segment_ids(directory)
    holding = {segment for segment, _ in segments_with_deleted(directory, "customer", [person.code])}
    assert holding and len(holding) < len(order_before)
    indexer.drain()
    assert _files_holding(root, tag) == [] and _files_holding(root, national) == []
    assert purge.is_settled(store.db, indexer.layout)
    assert _hits(store, engine, f"zorawar{tag}") == []
    assert len(_hits(store, engine, "geyser", customer=person.code)) == 2  # the redacted entries stay searchable
    for word in ("drum", "chimney", "turntable"):  # neighbours untouched, the one beside it copied over
        assert _hits(store, engine, word), word
    # The rewritten segment took its predecessor's place: segments stay in time order for NewestWindow.
    order_after = _segment_ids(directory)
    assert len(order_after) == len(order_before)
    for position, segment in enumerate(order_before):
        if segment in holding:
            assert order_after[position] not in order_before
        else:
            assert order_after[position] == segment


def test_older_generations_holding_the_text_are_dropped(store, erased_world):
    layout, engine, indexer, person, tag, _, _ = erased_world
    rebuild(store.db, layout)  # the previous generation is kept for readers, text and all
    assert len(layout.generations()) == 2 and _files_holding(layout.root, tag)
    with store.db.write() as session:
        erasure.erase_customer(session, actor=audit.SYSTEM, code=person.code,
                               request=erasure.ErasureRequest(confirm=person.code, reason="test"))
    indexer.drain()
    assert layout.generations() == [layout.current_dir()]
    assert _files_holding(layout.root, tag) == []
    assert _hits(store, engine, "turntable")


def test_a_purge_waits_for_a_running_rebuild(store, erased_world):
    layout, engine, indexer, person, tag, _, _ = erased_world
    with store.db.write() as session:
        erasure.erase_customer(session, actor=audit.SYSTEM, code=person.code,
                               request=erasure.ErasureRequest(confirm=person.code, reason="test"))
    with layout.rebuild_lock.hold(timeout=5):  # as if `helpdesk index rebuild` were running in another process
        indexer.drain()
        assert not purge.is_settled(store.db, layout)  # waiting for the rebuild
    indexer.drain()
    assert _files_holding(layout.root, tag) == []


def test_text_in_big_segments_is_purged_by_a_fresh_generation(store, erased_world):
    layout, engine, indexer, person, tag, national, _ = erased_world
    indexer.purge_in_place_max_docs = 0  # as if the customer's old documents sat in a rebuild's big time slices
    first = layout.current_dir()
    with store.db.write() as session:
        erasure.erase_customer(session, actor=audit.SYSTEM, code=person.code,
                               request=erasure.ErasureRequest(confirm=person.code, reason="test"))
    indexer.drain()
    indexer._purge_rebuild.join(60)
    indexer.drain()
    assert layout.current_dir() != first and layout.generations() == [layout.current_dir()]
    assert _files_holding(layout.root, tag) == [] and _files_holding(layout.root, national) == []
    assert purge.is_settled(store.db, layout)
    assert _hits(store, engine, "turntable") and _hits(store, engine, "geyser", customer=person.code)
