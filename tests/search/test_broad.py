"""Very broad desk-wide searches: answered from the newest entries, with an estimated total, and said so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.search import service
from helpdesk.search.engine import Filters
from helpdesk.search.engine import queries as engine_queries
from helpdesk.search.engine import writing as engine_writing
from helpdesk.search.syntax import parse
from tests import factories
from tests.search.conftest import build_index, note

ENTRIES = 100


@pytest.fixture(scope="module")
def rows(store):
    customer = factories.customer(store.db, name="Broad Customer")
    start = datetime(2020, 1, 1, tzinfo=UTC)
    # Written newest first, so row ids run against time: the rebuild must still lay documents out oldest first.
    return [note(store.db, customer, f"broadword entry number{n}", created_at=start + timedelta(days=ENTRIES - n),
                 outbox=False) for n in range(ENTRIES)]


@pytest.fixture
def small_window(monkeypatch):
    # Rebuilt in five time slices of 20; 100 matches, so a window of about 20 documents: the newest slice.
    monkeypatch.setattr(engine_writing, "PHASE_DOCS", 20)
    monkeypatch.setattr(engine_queries, "BROAD_RESULTS", 10)
    monkeypatch.setattr(engine_queries, "WINDOW_CANDIDATES", 20)
    monkeypatch.setattr(engine_queries, "MIN_WINDOW_DOCS", 1)


def test_a_broad_search_ranks_the_newest_entries(store, rows, tmp_path, small_window):
    _, engine = build_index(store.db, tmp_path / "index")
    found = engine.search(parse("broadword"), Filters(), offset=0, limit=50)
    newest = {f"interaction:{row.id}" for row in rows[:20]}
    assert not found.exact and found.window == 20
    assert set(found.keys) == newest and found.available == 20
    assert found.total == ENTRIES  # 20 in a window of 20 out of 100 documents, scaled up


def test_words_rare_together_are_searched_everywhere(store, rows, tmp_path, small_window, monkeypatch):
    monkeypatch.setattr(engine_queries, "WINDOW_MIN_HITS", 21)  # the window's 20 hits are too few: search all
    _, engine = build_index(store.db, tmp_path / "index")
    found = engine.search(parse("broadword"), Filters(), offset=0, limit=200)
    assert found.exact and found.total == ENTRIES


def test_narrow_searches_stay_complete_and_exact(store, rows, tmp_path, small_window):
    _, engine = build_index(store.db, tmp_path / "index")
    assert engine.search(parse("number7"), Filters(), offset=0, limit=50).exact
    customer = rows[0].customer_id
    with store.db.read() as session:
        from helpdesk.customers.models import Customer

        code = session.get(Customer, customer).code
    within = engine.search(parse("broadword"), Filters(customer=code), offset=0, limit=200)
    assert within.exact and within.total == ENTRIES and len(within.keys) == ENTRIES
    dated = engine.search(parse("broadword"), Filters(day_from=0), offset=0, limit=200)
    assert dated.exact and dated.total == ENTRIES


def test_the_page_says_the_total_is_an_estimate(store, rows, tmp_path, small_window):
    _, engine = build_index(store.db, tmp_path / "index")
    with store.db.read() as session:
        results = service.search(session, engine, service.SearchParams(q="broadword"))
    assert not results.total_is_exact and results.total_label == "about 100" and results.pages == 1
    assert any("newest 20 entries" in notice for notice in results.notices)
