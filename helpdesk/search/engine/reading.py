"""Searching the live generation: a pool of searchers kept current by our own refresh, and the search itself."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from helpdesk.search.engine import queries
from helpdesk.search.engine.queries import (
    RERANK_WINDOW,
    EngineResult,
    Filters,
    NewestWindow,
    QueryBuilder,
    all_of,
    filter_queries,
    live_frequency,
    phrases_first,
)
from helpdesk.search.engine.schema import TEXT_FIELD, SearchUnavailable
from helpdesk.search.layout import IndexLayout
from helpdesk.search.syntax import ParsedQuery

log = logging.getLogger("helpdesk.search")

# How long a reader trusts that the index has not changed (another process may have committed).
STALE_CHECK_SECONDS = 0.2
# A file a reader drops in the index root when reading failed; the indexer checks and rebuilds.
CHECK_REQUEST = "check-requested"
# Tries at the newest commit before a reader gives up (each lost race costs a few milliseconds).
OPEN_ATTEMPTS = 5



def refreshed(searcher: Searcher) -> Searcher:
    """A searcher for the newest commit, reopening only the segments that are new.

    Not Whoosh's Searcher.refresh(): in 2.7.5 it keeps a reused segment's old deletion list (so an
    updated document shows up twice) and brings back segments that a merge removed. Deletions live
    on the segment object in the TOC, so a kept reader just takes the new segment object.
    """
    index = searcher._ix  # the index this searcher was opened from (Whoosh has no public accessor)
    current = searcher.reader()
    if index.latest_generation() == current.generation():
        return searcher
    toc = index._read_toc()  # what Whoosh's own refresh reads too
    kept = {leaf.segment().segment_id(): leaf for leaf, _ in current.leaf_readers() if leaf.segment() is not None}
    leaves = []
    for segment in toc.segments:
        leaf = kept.pop(segment.segment_id(), None)
        if leaf is None:
            leaf = SegmentReader(index.storage, toc.schema, segment, generation=toc.generation)
        elif leaf.segment().deleted_count() != segment.deleted_count():
            # Same segment, more deletions: the kept reader takes the new segment object, which carries them.
            leaf._segment = segment
            leaf._perdoc._segment = segment
            leaf.__dict__.pop("deleted_docs_set", None)  # a cached_property of the old deletions
        leaves.append(leaf)
    for leaf in kept.values():
        leaf.close()  # merged away; nothing else holds this reader (each searcher has its own)
    if not leaves:
        reader = EmptyReader(toc.schema)
    elif len(leaves) == 1:
        reader = leaves[0]
        reader._gen = toc.generation  # a single kept segment reader still reports its old commit
    else:
        reader = MultiReader(leaves, generation=toc.generation)
    # The old searcher is dropped, not closed: closing it would close the readers we kept.
    return Searcher(reader, fromindex=index)


class _Handle:
    """One searcher, the generation it reads, and when it last made sure it was current."""

    __slots__ = ("checked_at", "directory", "searcher", "version")

    def __init__(self, searcher, directory: Path, version: int) -> None:
        self.searcher = searcher
        self.directory = directory
        self.checked_at = time.monotonic()
        self.version = version


class SearchEngine:
    """Reads the live generation through a small pool of searchers, each refreshed when the index moves on.

    Opening a searcher costs a few hundred milliseconds on a big index and refreshing one about a
    millisecond, so searchers are kept and refreshed. Whoosh searchers hold file positions and are
    not safe to share between threads: each request borrows one for itself.
    """

    def __init__(self, layout: IndexLayout) -> None:
        self.layout = layout
        self._lock = threading.Lock()
        self._idle: list[_Handle] = []
        self._version = 0  # bumped by a writer in this process: searchers refresh at once, not on the timer
        self._closed = False

    # searchers

    def notify_changed(self) -> None:
        with self._lock:
            self._version += 1

    def report_damage(self, reason: str) -> None:
        """Ask whichever process runs the indexer to check the index (and rebuild it if it is damaged)."""
        log.error("search index problem: %s; asking the indexer to check it", reason)
        try:
            (self.layout.root / CHECK_REQUEST).write_text(reason[:500])
        except OSError:
            log.exception("could not ask for an index check")

    def _open(self, directory: Path, version: int) -> _Handle:
        try:
            index = whoosh_index.open_dir(str(directory))
            return _Handle(index.searcher(), directory, version)
        except FileNotFoundError:
            raise  # another process committed meanwhile: the caller tries the newer commit
        except Exception as exc:  # any other failure to open means the same thing to a reader
            raise SearchUnavailable(f"the search index at {directory} cannot be opened: {exc!r}") from exc

    def _current(self, handle: _Handle | None, directory: Path, version: int, fresh: bool) -> _Handle:
        """A handle at the newest commit, retrying when a commit by another process removes what we started to read.

        Whoosh lists the newest table of contents, then opens it; a writer committing in between deletes it
        (and segments it merged away). That is not damage: the next attempt finds the newer commit.
        """
        for attempt in range(OPEN_ATTEMPTS):
            try:
                if handle is None or handle.directory != directory:
                    if handle is not None:
                        handle.searcher.close()
                        handle = None
                    return self._open(directory, version)
                if fresh or handle.version != version or time.monotonic() - handle.checked_at > STALE_CHECK_SECONDS:
                    handle.searcher = refreshed(handle.searcher)
                    handle.checked_at, handle.version = time.monotonic(), version
                return handle
            except FileNotFoundError as exc:
                if handle is not None:
                    handle.searcher.close()
                    handle = None
                if attempt == OPEN_ATTEMPTS - 1:
                    raise SearchUnavailable(f"the search index at {directory} kept changing under the reader: {exc!r}")
                time.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def searcher(self, *, fresh: bool = False):
        """Borrow an up-to-date searcher for the live generation (fresh: at the very latest commit)."""
        directory = self.layout.current_dir()
        if directory is None or not directory.exists():
            raise SearchUnavailable("the search index has not been built yet")
        with self._lock:
            handle = self._idle.pop() if self._idle else None
            version = self._version
        try:
            handle = self._current(handle, directory, version, fresh)
        except SearchUnavailable as exc:
            self.report_damage(str(exc))
            raise
        except Exception as exc:
            self.report_damage(repr(exc))
            raise SearchUnavailable(f"the search index at {directory} could not be refreshed: {exc!r}") from exc
        broken = False
        try:
            yield handle.searcher
        except Exception as exc:
            # A searcher that failed mid-read may hold half-read state: never hand it out again.
            broken = True
            self.report_damage(repr(exc))
            raise SearchUnavailable(f"the search index at {directory} could not be read: {exc!r}") from exc
        finally:
            with self._lock:
                if broken or self._closed:
                    handle.searcher.close()
                else:
                    self._idle.append(handle)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for handle in idle:
            handle.searcher.close()

    def reopen(self) -> None:
        """After close(): usable again (the app's lifespan may run more than once, as in tests)."""
        with self._lock:
            self._closed = False

    # queries

    def search(self, parsed: ParsedQuery, filters: Filters, *, offset: int, limit: int) -> EngineResult:
        """One page of document keys, best first, the total (estimated for a broad search), and the terms to mark."""
        with self.searcher() as searcher:
            builder = QueryBuilder(searcher.reader())
            words = builder.build(parsed)
            if words is None:
                return EngineResult(keys=[], total=0)
            restrictions = filter_queries(filters)
            reader = searcher.reader()
            positive = words.a if isinstance(words, wq.AndNot) else words
            newest = None
            if not (filters.customer or filters.day_from is not None or filters.day_to is not None):
                estimate = all_of([positive, *restrictions]).estimate_size(reader)
                if estimate > queries.BROAD_RESULTS:
                    size = max(queries.MIN_WINDOW_DOCS, reader.doc_count_all() * queries.WINDOW_CANDIDATES // estimate)
                    if size < reader.doc_count_all() * 0.8:
                        newest = NewestWindow.of(reader, size)
            if newest is not None:
                found = self._run(searcher, builder, words, [*restrictions, newest], offset, limit)
                if found.total >= queries.WINDOW_MIN_HITS:
                    # Scale what the window holds up to the whole index; never above the rarest part's count.
                    scaled = round(found.total * reader.doc_count() / max(newest.size, 1))
                    upper = positive.estimate_size(reader)
                    found.exact, found.window, found.available = False, newest.size, found.total
                    found.total = max(found.total, min(scaled, upper))
                    return found
            return self._run(searcher, builder, words, restrictions, offset, limit)

    def _run(self, searcher, builder: QueryBuilder, words, restrictions, offset: int, limit: int) -> EngineResult:
        """One ranked page and the exact number of matches of words AND restrictions."""
        if restrictions and isinstance(words, wq.AndNot):
            query = wq.AndNot(all_of([words.a, *restrictions]), words.b)
        else:
            query = all_of([words, *restrictions])
        window = max(offset + limit, RERANK_WINDOW)
        if isinstance(query, wq.Term) and query.fieldname == TEXT_FIELD:
            # One word across the desk: block-quality skipping finds the best hits without scoring
            # them all (6 ms instead of 470 ms for a word in 200,000 documents), and the total is
            # the word's document frequency, less the replaced documents not yet merged away.
            results = searcher.search(query, limit=window, terms=False, optimize=True)
            total = live_frequency(searcher.reader(), query.text)
        else:
            # Several words or a filter: one pass that scores and counts every match. Block-quality
            # skipping saved nothing for conjunctions here, and would need a second pass to count.
            results = searcher.search(query, limit=window, terms=False, optimize=False)
            total = len(results)
        ranked = list(results.top_n)
        if builder.phrases:
            ranked = phrases_first(searcher.reader(), ranked[:RERANK_WINDOW], builder.phrases) + ranked[RERANK_WINDOW:]
        keys = [searcher.stored_fields(docnum)["key"] for _, docnum in ranked[offset:offset + limit]]
        return EngineResult(keys=keys, total=total, terms=builder.terms, prefixes=builder.prefixes)

    def corrections(self, word: str, *, limit: int = 3) -> list[tuple[str, int]]:
        """Indexed terms within one or two edits of an analysed word, commonest first, with their frequency."""
        with self.searcher() as searcher:
            reader = searcher.reader()
            distance = 1 if len(word) <= 5 else 2
            found = {term for term in reader.terms_within(TEXT_FIELD, word, distance, prefix=1) if term != word}
            scored = sorted(((reader.doc_frequency(TEXT_FIELD, term), term) for term in found), reverse=True)
            return [(term, frequency) for frequency, term in scored[:limit] if frequency > 0]

    def frequency(self, term: str) -> int:
        with self.searcher() as searcher:
            return searcher.reader().doc_frequency(TEXT_FIELD, term)

    def any_key_with(self, term: str) -> str | None:
        """One document that contains this term (to show a suggestion as people spell it)."""
        with self.searcher() as searcher:
            results = searcher.search(wq.Term(TEXT_FIELD, term), limit=1)
            return results[0]["key"] if results.scored_length() else None

    def keys_for(self, filters: Filters) -> list[str]:
        """Every key matching the filters alone (tests and checks; not for pages)."""
        with self.searcher() as searcher:
            restrictions = filter_queries(filters)
            query = all_of(restrictions) if restrictions else wq.Every()
            return [fields["key"] for fields in (searcher.stored_fields(n) for n in searcher.docs_for_query(query))]

    def doc_count(self) -> int:
        with self.searcher() as searcher:
            return searcher.doc_count()
