"""The Whoosh wrapper: searchers that stay correct across updates, merges and generation swaps."""

from __future__ import annotations

import threading

from helpdesk.search.documents import SearchDocument
from helpdesk.search.engine import (
    Filters,
    IndexBuilder,
    IndexWriter,
    SearchEngine,
    refreshed,
)
from helpdesk.search.layout import IndexLayout
from helpdesk.search.syntax import parse


def doc(key: str, text: str, customer: str = "100000009") -> SearchDocument:
    return SearchDocument(key=key, doc_type="interaction", kind="note", text=text, customer=customer, channel=None,
                          status=None, agent=None, day=20000)


def fresh_layout(tmp_path, docs=()) -> IndexLayout:
    layout = IndexLayout(tmp_path / "index")
    directory = layout.new_generation()
    builder = IndexBuilder(directory)
    builder.add(docs)
    builder.commit()
    layout.publish(directory)
    return layout


def keys(engine: SearchEngine, q: str) -> list[str]:
    return engine.search(parse(q), Filters(), offset=0, limit=50).keys


def test_a_kept_searcher_sees_an_updated_document_once(tmp_path):
    """Whoosh 2.7.5's own Searcher.refresh() would show it once per update."""
    layout = fresh_layout(tmp_path, [doc("interaction:1", "base text")])
    engine = SearchEngine(layout)
    assert keys(engine, "base") == ["interaction:1"]
    for round_number in range(20):  # enough small commits to trigger merges
        with IndexWriter(layout.current_dir()) as writer:
            writer.update(doc("interaction:7", f"kettle round{round_number}"))
            writer.update(doc(f"interaction:{100 + round_number}", "filler"))
            writer.commit()
        engine.notify_changed()
        assert keys(engine, "kettle") == ["interaction:7"], round_number
        assert keys(engine, f"round{round_number}") == ["interaction:7"]
    assert engine.doc_count() == 22


def test_refresh_of_an_empty_index(tmp_path):
    layout = fresh_layout(tmp_path)
    engine = SearchEngine(layout)
    assert keys(engine, "anything") == []
    with IndexWriter(layout.current_dir()) as writer:
        writer.update(doc("interaction:1", "first words"))
        writer.commit()
    engine.notify_changed()
    assert keys(engine, "first") == ["interaction:1"]


def test_refreshed_returns_the_same_searcher_when_nothing_changed(tmp_path):
    from whoosh import index

    layout = fresh_layout(tmp_path, [doc("interaction:1", "text")])
    searcher = index.open_dir(str(layout.current_dir())).searcher()
    assert refreshed(searcher) is searcher


def test_searchers_follow_a_swapped_generation(tmp_path):
    layout = fresh_layout(tmp_path, [doc("interaction:1", "old generation")])
    engine = SearchEngine(layout)
    assert keys(engine, "old") == ["interaction:1"]
    directory = layout.new_generation()
    builder = IndexBuilder(directory)
    builder.add([doc("interaction:2", "new generation")])
    builder.commit()
    layout.publish(directory)
    assert keys(engine, "new") == ["interaction:2"] and keys(engine, "old") == []


def test_concurrent_searches_each_get_their_own_searcher(tmp_path):
    layout = fresh_layout(tmp_path, [doc(f"interaction:{n}", f"shared word number{n}") for n in range(200)])
    engine = SearchEngine(layout)
    errors: list[str] = []

    def worker():
        for _ in range(30):
            try:
                assert len(engine.search(parse("shared word"), Filters(), offset=0, limit=20).keys) == 20
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                errors.append(repr(exc))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]


def test_customer_restriction(tmp_path):
    layout = fresh_layout(tmp_path, [doc("interaction:1", "drum noise", "100000009"),
                                     doc("interaction:2", "drum noise", "200000004")])
    engine = SearchEngine(layout)
    found = engine.search(parse("drum"), Filters(customer="200000004"), offset=0, limit=20)
    assert found.keys == ["interaction:2"] and found.total == 1


def test_prune_keeps_the_live_generation_and_the_one_before(tmp_path):
    layout = fresh_layout(tmp_path, [doc("interaction:1", "one")])
    for _ in range(3):
        directory = layout.new_generation()
        builder = IndexBuilder(directory)
        builder.commit()
        layout.publish(directory)
    unfinished = layout.new_generation()  # a crashed rebuild's leftovers
    layout.prune()
    names = [path.name for path in layout.generations()]
    assert names == ["gen-000003", "gen-000004"] and not unfinished.exists()


def test_one_word_totals_leave_out_replaced_documents(tmp_path):
    layout = fresh_layout(tmp_path, [doc(f"interaction:{n}", "kettle whistle") for n in range(5)])
    engine = SearchEngine(layout)
    with IndexWriter(layout.current_dir()) as writer:
        writer.update(doc("interaction:1", "kettle only"))
        writer.update(doc("interaction:2", "whistle only"))
        writer.delete("interaction:3")
        writer.commit()
    engine.notify_changed()
    assert engine.search(parse("kettle"), Filters(), offset=0, limit=20).total == 3  # 0, 1 (new), 4
    assert engine.search(parse("whistle"), Filters(), offset=0, limit=20).total == 3  # 0, 2 (new), 4
    assert engine.search(parse("kettle whistle"), Filters(), offset=0, limit=20).total == 2


def test_skipping_by_bisection_lands_where_whoosh_would(tmp_path):
    """Our faster in-block skip (engine.schema._skip_within_blocks_by_bisection) against Whoosh's own."""
    import random

    from whoosh import index
    from whoosh.codec import whoosh3

    from helpdesk.search import analysis

    rng = random.Random(5)
    words = ["alpha", "beta", "gamma", "delta"]
    docs = [doc(f"interaction:{n}", " ".join(w for w in words if rng.random() < 0.3) or "none") for n in range(3000)]
    layout = fresh_layout(tmp_path, docs)
    reader = index.open_dir(str(layout.current_dir())).reader()
    leaf = whoosh3.W3LeafMatcher
    for word in words:
        for _ in range(30):
            term = analysis.term(word)
            ours, stock = reader.postings("text", term), reader.postings("text", term)
            target = 0
            while ours.is_active():
                target += rng.randrange(1, 200)
                ours.skip_to(target) if ours.is_active() else None
                if stock.is_active():
                    leaf.stock_skip_to(stock, target)
                assert ours.is_active() == stock.is_active()
                if ours.is_active():
                    assert ours.id() == stock.id()


def test_the_indexer_merges_only_its_own_small_segments(tmp_path, monkeypatch):
    from helpdesk.search.engine import writing as engine_writing

    monkeypatch.setattr(engine_writing, "PHASE_DOCS", 50)
    monkeypatch.setattr(engine_writing, "SMALL_SEGMENT_DOCS", 10)
    monkeypatch.setattr(engine_writing, "SEGMENTS_PER_TIER", 3)
    layout = fresh_layout(tmp_path, [doc(f"interaction:{n}", "bulk text") for n in range(150)])
    from whoosh import index

    def segment_sizes():
        return [segment.doc_count_all() for segment in index.open_dir(str(layout.current_dir()))._segments()]

    assert segment_sizes() == [50, 50, 50]  # three time slices
    for number in range(4):
        with IndexWriter(layout.current_dir()) as writer:
            writer.update(doc(f"interaction:{1000 + number}", "new note"))
            writer.commit()
    sizes = segment_sizes()
    assert sizes[:3] == [50, 50, 50] and sum(sizes[3:]) == 4 and len(sizes) < 7
    assert set(keys(SearchEngine(layout), "new")) == {f"interaction:{1000 + n}" for n in range(4)}


def test_merges_rewrite_segments_of_similar_size_only(tmp_path, monkeypatch):
    """Tiered merging: 60 one-note commits leave a few segments per size tier, and the commit that merges
    the smallest tier never rewrites the bigger segments (its cost does not grow with what came before)."""
    from whoosh import index

    from helpdesk.search.engine import writing as engine_writing

    monkeypatch.setattr(engine_writing, "PHASE_DOCS", 50)
    layout = fresh_layout(tmp_path, [doc(f"interaction:{n}", "bulk text") for n in range(50)])

    def small_segments():
        return [(s.segment_id(), s.doc_count_all()) for s in index.open_dir(str(layout.current_dir()))._segments()
                if s.doc_count_all() < engine_writing.SMALL_SEGMENT_DOCS and s.doc_count_all() != 50]

    biggest_seen: set[str] = set()
    for number in range(60):
        before = small_segments()
        with IndexWriter(layout.current_dir()) as writer:
            writer.update(doc(f"interaction:{2000 + number}", "steady note"))
            writer.commit()
        after = {segment_id for segment_id, _ in small_segments()}
        # A segment of 10 or more documents, once written, survives every later one-note commit here.
        biggest_seen |= {segment_id for segment_id, size in before if size >= 10}
        assert biggest_seen <= after
    sizes = [size for _, size in small_segments()]
    assert sum(sizes) == 60 and len(sizes) <= 2 * engine_writing.SEGMENTS_PER_TIER
    assert max(sizes) >= 10  # the single-note tier was merged up
    found = SearchEngine(layout).search(parse("steady"), Filters(), offset=0, limit=100)
    assert found.total == 60 and set(found.keys) == {f"interaction:{2000 + n}" for n in range(60)}


_WRITER = """
import sys, time
from pathlib import Path
from helpdesk.search.documents import SearchDocument
from helpdesk.search.engine import IndexWriter
directory = Path(sys.argv[1])
for number in range(int(sys.argv[2])):
    with IndexWriter(directory) as writer:
        writer.update(SearchDocument(key=f"interaction:{5000 + number}", doc_type="interaction", kind="note",
                                     text=f"racing note {number}", customer="100000009", channel=None, status=None,
                                     agent=None, day=20000))
        writer.commit()
print("done", flush=True)
"""


def test_searches_never_fail_while_another_process_commits(tmp_path):
    """A reader that lists the newest table of contents just before another process's commit removes it tries the
    newer commit instead of failing (and of asking for a full index check)."""
    import subprocess
    import sys

    from helpdesk.search.engine.reading import CHECK_REQUEST

    layout = fresh_layout(tmp_path, [doc(f"interaction:{n}", "racing base text") for n in range(200)])
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(layout.current_dir()), "80"],
                              stdout=subprocess.PIPE, text=True)
    engine = SearchEngine(layout)
    searches = 0
    try:
        while writer.poll() is None:
            with engine.searcher(fresh=True) as searcher:  # reads the newest table of contents every time
                assert searcher.doc_count() >= 200
            searches += 1
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0 and searches > 20
    assert not (layout.root / CHECK_REQUEST).exists()


def test_a_table_of_contents_removed_under_the_reader_is_retried_not_reported(tmp_path, monkeypatch):
    """The race above, made certain: the first two opens find their table of contents gone."""
    from helpdesk.search.engine import reading
    from helpdesk.search.engine.reading import CHECK_REQUEST

    layout = fresh_layout(tmp_path, [doc("interaction:1", "steady text")])
    real_open = reading.whoosh_index.open_dir
    failures = iter([FileNotFoundError("_MAIN_350.toc"), FileNotFoundError("_MAIN_351.toc")])

    def flaky_open(path, *args, **kwargs):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(reading.whoosh_index, "open_dir", flaky_open)
    assert keys(SearchEngine(layout), "steady") == ["interaction:1"]
    assert not (layout.root / CHECK_REQUEST).exists()
