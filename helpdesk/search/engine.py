"""The only module that talks to Whoosh: schema, searchers, writers, and our query clauses turned into Whoosh queries."""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from bisect import bisect_left
from itertools import accumulate
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import Analyzer
from whoosh.analysis import Token as WhooshToken
from whoosh.codec import whoosh3
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.matching import IntersectionMatcher, Matcher, ReadTooFar, WrappingMatcher
from whoosh.reading import EmptyReader, MultiReader, SegmentReader, TermNotFound
from whoosh.searching import Searcher

from helpdesk.search import analysis
from helpdesk.search.documents import SearchDocument
from helpdesk.search.layout import IndexLayout, fsync_files
from helpdesk.search.query import AnyOf, Clause, Not, ParsedQuery, Phrase, Prefix, Words

log = logging.getLogger("helpdesk.search")

# Bump whenever the schema or anything in analysis.py changes what gets indexed: an index written
# by another version is treated like a missing one and rebuilt at start-up.
FORMAT_VERSION = 2
STAMP = "helpdesk-index.json"
TEXT_FIELD = "text"
# A prefix like "co*" could name thousands of terms; we read at most this many and keep the commonest.
PREFIX_SCAN_LIMIT = 5000
PREFIX_TERMS_KEPT = 64
# Words typed together that also appear together rank first ("compressor noise"). Whoosh's own
# phrase scoring (AndMaybe + Phrase) cost up to seconds on common words, because its phrase matcher
# scans from the first document; we re-rank the best RERANK_WINDOW hits by reading positions instead.
PHRASE_MAX_WORDS = 6
RERANK_WINDOW = 100
# How long a reader trusts that the index has not changed (another process may have committed).
STALE_CHECK_SECONDS = 0.2
# The indexer's commits add small segments; once this many are below SMALL_SEGMENT_DOCS they are merged
# into one. The rebuild's large time-slice segments are never merged (see IndexBuilder).
MAX_SMALL_SEGMENTS = 10
SMALL_SEGMENT_DOCS = 10_000
# Documents per rebuild phase: one time slice, written in customer order.
PHASE_DOCS = 100_000
# A desk-wide search whose rarest part is in more documents than this is "broad". Whoosh walks and
# scores postings in Python (10,000 cost ~150 ms here), so a broad search is answered from the newest
# part of the index, sized so that about WINDOW_CANDIDATES postings of its rarest part fall inside,
# best first among those and with an estimated total. If that window holds less than a page of hits
# (words common apart but rare together), the search runs over everything after all. Searches within
# a customer or a date range, and narrower ones, are always complete and exact.
BROAD_RESULTS = 8_000
WINDOW_CANDIDATES = 5_000
MIN_WINDOW_DOCS = 20_000
WINDOW_MIN_HITS = 20
# A file a reader drops in the index root when reading failed; the indexer checks and rebuilds.
CHECK_REQUEST = "check-requested"


class SearchUnavailable(RuntimeError):
    """There is no usable index right now (missing, being built, or damaged); the message says which."""


class HelpdeskAnalyzer(Analyzer):
    """Whoosh's side of helpdesk.search.analysis: the same tokens at index and query time."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[WhooshToken]:
        token = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for found in analysis.analyze(analysis.normalise(value)):
            token.text = found.term
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + found.pos
            if chars:
                token.startchar = start_char + found.start
                token.endchar = start_char + found.end
            yield token


def _remember_missing_columns() -> None:
    """Whoosh 2.7.5 looks for a missing length column with a stat() for every posting of every
    unscored field (our filter fields), which was 13% of a rebuild. A written segment's columns never
    change, so remembering "no such column" is safe."""
    original = whoosh3.W3PerDocReader._cached_reader
    if getattr(original, "_helpdesk", False):
        return

    def cached_reader(self, fieldname, column):
        if fieldname in self._readers:
            return self._readers[fieldname]
        reader = original(self, fieldname, column)
        self._readers[fieldname] = reader
        return reader

    cached_reader._helpdesk = True
    whoosh3.W3PerDocReader._cached_reader = cached_reader


_remember_missing_columns()


def _skip_within_blocks_by_bisection() -> None:
    """Whoosh 2.7.5 finds a posting inside a block by stepping through it one Python call at a time,
    and decodes each block's document numbers with a generator: with a customer's documents spread
    over the index, that was most of a customer search. A block's numbers are sorted, so bisection
    finds the same posting, and itertools.accumulate is the same running sum in C."""
    leaf = whoosh3.W3LeafMatcher
    if getattr(leaf.skip_to, "_helpdesk", False):
        return

    def read_ids(self):
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        self._ids = ids if self._byteids else tuple(accumulate(ids))

    def skip_to(self, targetid):
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
        if self.is_active():
            if self._ids is None:
                self._read_ids()
            # The block's last number is >= targetid, so the answer is inside this block.
            self._i = bisect_left(self._ids, targetid, self._i)

    skip_to._helpdesk = True
    leaf.stock_skip_to, leaf.stock_read_ids = leaf.skip_to, leaf._read_ids  # kept for the equivalence test
    leaf._read_ids = read_ids
    leaf.skip_to = skip_to


_skip_within_blocks_by_bisection()


def make_schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),
        kind=ID,
        channel=ID,
        status=ID,
        customer=ID,
        agent=ID,
        # 8-bit steps: four trie terms per date instead of eight. (signed=False mishandles open-ended ranges.)
        day=NUMERIC(int, bits=32, signed=True, shift_step=8),
        text=TEXT(analyzer=HelpdeskAnalyzer(), phrase=True),
    )


def _fields(doc: SearchDocument) -> dict:
    fields = {"key": doc.key, "kind": doc.kind, "customer": doc.customer,
              "day": doc.day, "text": doc.text}
    for name in ("channel", "status", "agent"):
        value = getattr(doc, name)
        if value:
            fields[name] = value
    return fields


# --- filters and results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Restrictions applied on top of the words; each is exact, and days are shop-local day numbers."""

    customer: str | None = None
    kinds: tuple[str, ...] = ()
    channel: str | None = None
    status: str | None = None
    agent: str | None = None
    day_from: int | None = None
    day_to: int | None = None


@dataclass
class EngineResult:
    keys: list[str]
    total: int
    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    exact: bool = True  # False: a broad search, ranked within the newest `window` documents, total estimated
    window: int = 0
    available: int | None = None  # hits that can be paged through (all of them when exact)

    def __post_init__(self) -> None:
        if self.available is None:
            self.available = self.total


class _DocRange(Matcher):
    """Every document number in [start, stop) of one segment (all of it, or none)."""

    def __init__(self, start: int, stop: int) -> None:
        self._start = self._id = start
        self._stop = stop

    def is_active(self) -> bool:
        return self._id < self._stop

    def reset(self) -> None:
        self._id = self._start

    def copy(self) -> _DocRange:
        copy = _DocRange(self._start, self._stop)
        copy._id = self._id
        return copy

    def id(self) -> int:
        return self._id

    def all_ids(self):
        return iter(range(self._id, self._stop))

    def next(self) -> None:
        self._id += 1

    def skip_to(self, id: int) -> None:  # noqa: A002 - Whoosh's name
        self._id = max(self._id, id)

    def supports(self, astype) -> bool:
        return False

    def value(self):
        return None

    def value_as(self, astype):
        raise NotImplementedError

    def weight(self) -> float:
        return 0.0

    def score(self) -> float:
        return 0.0

    # It adds nothing to a score: an upper bound of zero lets intersections with it keep their own bounds.
    def supports_block_quality(self) -> bool:
        return True

    def max_quality(self) -> float:
        return 0.0

    def block_quality(self) -> float:
        return 0.0

    def skip_to_quality(self, minquality: float) -> int:
        # Nothing in this range can lift a score above minquality on its own: skip it all.
        skipped, self._id = self._stop - self._id, self._stop
        return skipped


class NewestWindow(wq.Query):
    """Only the newest documents: the last segments of the index.

    A rebuild writes slices of time oldest first (IndexBuilder) and the indexer appends new segments
    after them, merging only small ones with each other (IndexWriter), so later segments hold newer
    documents.
    """

    def __init__(self, starts: dict[str, int], size: int) -> None:
        self.starts = starts
        self.size = size
        self.boost = 1.0

    def __eq__(self, other) -> bool:
        return isinstance(other, NewestWindow) and other.starts == self.starts

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.starts.items())))

    def __repr__(self) -> str:
        return f"NewestWindow({self.size})"

    def estimate_size(self, ixreader) -> int:
        return self.size

    def matcher(self, searcher, context=None):
        reader = searcher.reader()  # Whoosh asks for a matcher per segment, with a segment reader
        segment = reader.segment() if hasattr(reader, "segment") else None
        start = self.starts.get(segment.segment_id(), 0) if segment is not None else 0
        return _DocRange(start, reader.doc_count_all())

    @classmethod
    def of(cls, reader, size: int) -> NewestWindow:
        """The newest whole segments holding at least `size` documents (segments are listed oldest first)."""
        leaves = [(leaf.segment().segment_id(), leaf.doc_count_all()) for leaf, _ in reader.leaf_readers()]
        starts = {segment: count for segment, count in leaves}  # start at the end: nothing from that segment
        taken = 0
        for segment, count in reversed(leaves):
            if taken >= size:
                break
            starts[segment] = 0
            taken += count
        return cls(starts, taken)


class Conjunction(wq.And):
    """All of these, intersected rarest first.

    Whoosh's And builds a Huffman-like tree that intersects the two largest lists first: "open solved"
    within one customer leapfrogged through 60,000 postings to find nothing (180 ms). Starting from
    the rarest part (the customer's dozen documents) and skipping into the bigger lists takes 2 ms.
    """

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        ordered = sorted(subs, key=lambda query: query.estimate_size(reader))
        matcher = ordered[0].matcher(searcher, context)
        for query in ordered[1:]:
            matcher = IntersectionMatcher(matcher, query.matcher(searcher, context))
        return WrappingMatcher(matcher, self.boost) if self.boost != 1.0 else matcher


def _all_of(parts: list[wq.Query]) -> wq.Query:
    """One flat conjunction (nested ones merged), or the single part."""
    flat: list[wq.Query] = []
    for part in parts:
        flat.extend(part.subqueries if isinstance(part, wq.And) and part.boost == 1.0 else [part])
    return flat[0] if len(flat) == 1 else Conjunction(flat)


def _filter_queries(filters: Filters) -> list[wq.Query]:
    # Restricting with And([..., Term]) lets Whoosh skip through the short posting list of the
    # filter; the search(filter=...) argument first materialises the whole filter set (~3x slower).
    parts: list[wq.Query] = []
    if filters.customer:
        parts.append(wq.Term("customer", filters.customer))
    if filters.kinds:
        kinds = [wq.Term("kind", kind) for kind in filters.kinds]
        parts.append(kinds[0] if len(kinds) == 1 else wq.Or(kinds))
    for name in ("channel", "status", "agent"):
        value = getattr(filters, name)
        if value:
            parts.append(wq.Term(name, value))
    if filters.day_from is not None or filters.day_to is not None:
        parts.append(wq.NumericRange("day", filters.day_from, filters.day_to))
    return parts


class _QueryBuilder:
    """Our clauses -> a Whoosh query, remembering which terms to highlight."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.terms: set[str] = set()
        self.prefixes: set[str] = set()
        self.phrases: list[list[str]] = []  # word runs whose exact sequence should rank first

    def build(self, parsed: ParsedQuery) -> wq.Query | None:
        positive, negative = [], []
        for clause in parsed.clauses:
            if isinstance(clause, Not):
                built = self._clause(clause.clause, highlight=False)
                if built is not None:
                    negative.append(built)
            else:
                built = self._clause(clause)
                if built is not None:
                    positive.append(built)
        if not positive:
            return None
        combined = _all_of(positive)
        if negative:
            combined = wq.AndNot(combined, negative[0] if len(negative) == 1 else wq.Or(negative))
        return combined

    def _term(self, text: str, highlight: bool) -> wq.Term:
        if highlight:
            self.terms.add(text)
        return wq.Term(TEXT_FIELD, text)

    def _clause(self, clause: Clause, highlight: bool = True) -> wq.Query | None:
        if isinstance(clause, Words):
            return self._words(clause.text, highlight)
        if isinstance(clause, Phrase):
            tokens = [t for t in analysis.analyze(analysis.normalise(clause.text)) if not t.is_code]
            if not tokens:
                return None
            if len(tokens) == 1:
                return self._term(tokens[0].term, highlight)
            if highlight:
                self.terms.update(t.term for t in tokens)
            return wq.Phrase(TEXT_FIELD, [t.term for t in tokens])
        if isinstance(clause, Prefix):
            return self._prefix(clause.text, highlight)
        if isinstance(clause, AnyOf):
            parts = [part for part in (self._clause(sub, highlight) for sub in clause.clauses) if part is not None]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else wq.Or(parts)
        return None

    def _words(self, text: str, highlight: bool) -> wq.Query | None:
        tokens = analysis.analyze(analysis.normalise(text))
        # The widest codes win: "WM 7KG-X" is asked for as "wm7kgx", or as the phrase "wm 7kg x".
        covered: dict[int, analysis.Token] = {}
        taken: set[int] = set()
        for code in sorted((t for t in tokens if t.is_code), key=lambda t: -t.pieces):
            span = set(range(code.pos, code.pos + code.pieces))
            if not span & taken:
                covered[code.pos] = code
                taken |= span
        singles = {t.pos: t for t in tokens if not t.is_code}
        all_stops = all(analysis.is_stop_term(t.term) for t in singles.values())
        parts: list[wq.Query] = []
        plain: list[str] = []
        for pos in sorted(set(singles) | set(covered)):
            if pos in covered:
                code = covered[pos]
                pieces = [singles[p].term for p in range(pos, pos + code.pieces) if p in singles]
                options: list[wq.Query] = [self._term(code.term, highlight)]
                if len(pieces) == code.pieces:
                    options.append(wq.Phrase(TEXT_FIELD, pieces))
                parts.append(wq.Or(options))
            elif pos not in taken:
                word = singles[pos].term
                if analysis.is_stop_term(word) and not all_stops:
                    continue
                parts.append(self._term(word, highlight))
                plain.append(word)
        if not parts:
            return None
        sequence = [singles[pos].term for pos in sorted(singles)]
        if highlight and len(plain) >= 2 and not covered and len(sequence) <= PHRASE_MAX_WORDS:
            self.phrases.append(sequence)
        return _all_of(parts)

    def _prefix(self, text: str, highlight: bool) -> wq.Query | None:
        prefix = analysis.prefix_term("".join(analysis.words(text)))
        if not prefix:
            return None
        found: list[tuple[int, str]] = []
        for scanned, term in enumerate(self.reader.expand_prefix(TEXT_FIELD, prefix)):
            if scanned >= PREFIX_SCAN_LIMIT:
                break
            term = term.decode("utf-8") if isinstance(term, bytes) else term
            found.append((self.reader.doc_frequency(TEXT_FIELD, term), term))
        if not found:
            return wq.NullQuery
        kept = [term for _, term in sorted(found, reverse=True)[:PREFIX_TERMS_KEPT]]
        if highlight:
            self.prefixes.add(prefix)
        return wq.Or([wq.Term(TEXT_FIELD, term) for term in kept])


def _live_frequency(reader, term: str) -> int:
    """How many live documents contain a term: Whoosh's document frequency still counts deleted ones."""
    total = reader.doc_frequency(TEXT_FIELD, term)
    if not total or not reader.has_deletions():
        return total
    for leaf, _ in reader.leaf_readers():
        if not leaf.has_deletions():
            continue
        try:
            # The segment's unfiltered postings (reader.postings() hides deleted documents).
            raw = leaf._terms.matcher(TEXT_FIELD, leaf._text_to_bytes(TEXT_FIELD, term),
                                      leaf.schema[TEXT_FIELD].format)
        except (KeyError, TermNotFound):
            continue
        for docnum in sorted(leaf.deleted_docs_set):
            if raw.is_active() and raw.id() < docnum:
                raw.skip_to(docnum)
            if not raw.is_active():
                break
            if raw.id() == docnum:
                total -= 1
    return total


def _positions(reader, term: str, docnums: list[int]) -> dict[int, set[int]]:
    """Where a term occurs in each of these (sorted) documents, read from its posting list."""
    try:
        matcher = reader.postings(TEXT_FIELD, term)
    except TermNotFound:
        return {}
    found: dict[int, set[int]] = {}
    for docnum in docnums:
        if matcher.is_active() and matcher.id() < docnum:
            matcher.skip_to(docnum)
        if not matcher.is_active():
            break
        if matcher.id() == docnum:
            found[docnum] = set(matcher.value_as("positions"))
    return found


def _phrases_first(reader, ranked: list[tuple[float, int]], phrases: list[list[str]]) -> list[tuple[float, int]]:
    """The same hits, those containing a typed word run as an exact phrase moved up (stable otherwise)."""
    docnums = sorted(docnum for _, docnum in ranked)
    bonus = dict.fromkeys(docnums, 0)
    for sequence in phrases:
        where = {term: _positions(reader, term, docnums) for term in set(sequence)}
        for docnum in docnums:
            starts = where[sequence[0]].get(docnum, ())
            if any(all(start + i in where[term].get(docnum, ()) for i, term in enumerate(sequence)) for start in starts):
                bonus[docnum] += 1
    return sorted(ranked, key=lambda item: -bonus[item[1]])


# --- reading ------------------------------------------------------------------------------------


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
        except Exception as exc:  # any failure to open means the same thing to a reader
            raise SearchUnavailable(f"the search index at {directory} cannot be opened: {exc!r}") from exc

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
            if handle is None or handle.directory != directory:
                if handle is not None:
                    handle.searcher.close()
                handle = self._open(directory, version)
            elif fresh or handle.version != version or time.monotonic() - handle.checked_at > STALE_CHECK_SECONDS:
                handle.searcher = refreshed(handle.searcher)
                handle.checked_at, handle.version = time.monotonic(), version
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
            builder = _QueryBuilder(searcher.reader())
            words = builder.build(parsed)
            if words is None:
                return EngineResult(keys=[], total=0)
            restrictions = _filter_queries(filters)
            reader = searcher.reader()
            positive = words.a if isinstance(words, wq.AndNot) else words
            newest = None
            if not (filters.customer or filters.day_from is not None or filters.day_to is not None):
                estimate = _all_of([positive, *restrictions]).estimate_size(reader)
                if estimate > BROAD_RESULTS:
                    size = max(MIN_WINDOW_DOCS, reader.doc_count_all() * WINDOW_CANDIDATES // estimate)
                    if size < reader.doc_count_all() * 0.8:
                        newest = NewestWindow.of(reader, size)
            if newest is not None:
                found = self._run(searcher, builder, words, [*restrictions, newest], offset, limit)
                if found.total >= WINDOW_MIN_HITS:
                    # Scale what the window holds up to the whole index; never above the rarest part's count.
                    scaled = round(found.total * reader.doc_count() / max(newest.size, 1))
                    upper = positive.estimate_size(reader)
                    found.exact, found.window, found.available = False, newest.size, found.total
                    found.total = max(found.total, min(scaled, upper))
                    return found
            return self._run(searcher, builder, words, restrictions, offset, limit)

    def _run(self, searcher, builder: _QueryBuilder, words, restrictions, offset: int, limit: int) -> EngineResult:
        """One ranked page and the exact number of matches of words AND restrictions."""
        if restrictions and isinstance(words, wq.AndNot):
            query = wq.AndNot(_all_of([words.a, *restrictions]), words.b)
        else:
            query = _all_of([words, *restrictions])
        window = max(offset + limit, RERANK_WINDOW)
        if isinstance(query, wq.Term) and query.fieldname == TEXT_FIELD:
            # One word across the desk: block-quality skipping finds the best hits without scoring
            # them all (6 ms instead of 470 ms for a word in 200,000 documents), and the total is
            # the word's document frequency, less the replaced documents not yet merged away.
            results = searcher.search(query, limit=window, terms=False, optimize=True)
            total = _live_frequency(searcher.reader(), query.text)
        else:
            # Several words or a filter: one pass that scores and counts every match. Block-quality
            # skipping saved nothing for conjunctions here, and would need a second pass to count.
            results = searcher.search(query, limit=window, terms=False, optimize=False)
            total = len(results)
        ranked = list(results.top_n)
        if builder.phrases:
            ranked = _phrases_first(searcher.reader(), ranked[:RERANK_WINDOW], builder.phrases) + ranked[RERANK_WINDOW:]
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
            restrictions = _filter_queries(filters)
            query = _all_of(restrictions) if restrictions else wq.Every()
            return [fields["key"] for fields in (searcher.stored_fields(n) for n in searcher.docs_for_query(query))]

    def doc_count(self) -> int:
        with self.searcher() as searcher:
            return searcher.doc_count()


# --- writing ------------------------------------------------------------------------------------


def check_generation(directory: Path) -> int:
    """Open a generation and read from it; returns its document count or raises SearchUnavailable."""
    try:
        stamp = json.loads((directory / STAMP).read_text())
    except (OSError, ValueError) as exc:
        raise SearchUnavailable(f"the search index at {directory} has no readable version stamp") from exc
    if stamp.get("format") != FORMAT_VERSION:
        raise SearchUnavailable(
            f"the search index at {directory} was written in format {stamp.get('format')}, this version reads {FORMAT_VERSION}"
        )
    try:
        index = whoosh_index.open_dir(str(directory))
        with index.searcher() as searcher:
            count = searcher.doc_count()
            # Touch the postings and stored fields too: a truncated segment file fails here, not later.
            searcher.search(wq.Every(), limit=1)
            searcher.reader().doc_frequency(TEXT_FIELD, "a")
            for docnum in list(searcher.reader().all_doc_ids())[:1]:
                searcher.stored_fields(docnum)
        return count
    except SearchUnavailable:
        raise
    except Exception as exc:  # whatever Whoosh raises, the answer is "rebuild"
        raise SearchUnavailable(f"the search index at {directory} is damaged: {exc!r}") from exc


def _file_names(directory: Path) -> dict[str, float]:
    return {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(directory) if entry.is_file()}


def _merge_small_segments(writer, segments):
    """A Whoosh merge policy: fold the indexer's small segments into the new one once there are many.

    Whoosh's default (MERGE_SMALL) may merge the rebuild's time slices together, and the newest-window
    search needs them kept apart and in order; the merged small segments end up in the new segment,
    last, where the newest documents belong.
    """
    small = [segment for segment in segments if segment.doc_count_all() < SMALL_SEGMENT_DOCS]
    if len(small) < MAX_SMALL_SEGMENTS:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in small]


class IndexWriter:
    """Changes to the live generation, committed together; the caller holds the layout's write lock.

    Replacing a document means deleting the old one by key first. Whoosh's update_document opens a
    fresh reader on every segment for that (about 0.4 s on a million documents); given a searcher
    already at this commit, we delete through it instead.
    """

    def __init__(self, directory: Path, *, searcher: Searcher | None = None) -> None:
        self.directory = directory
        self._index = whoosh_index.open_dir(str(directory))
        self._before = _file_names(directory)
        self._writer = self._index.writer(timeout=10)
        self._done = False
        # Document numbers must mean the same to both: only a searcher of the commit we write on top of.
        current = searcher is not None and searcher.reader().generation() == self._writer.generation - 1
        self._searcher = searcher if current else None

    def update(self, doc: SearchDocument) -> None:
        if self._searcher is None:
            self._writer.update_document(**_fields(doc))
            return
        self._writer.delete_by_term("key", doc.key, searcher=self._searcher)
        self._writer.add_document(**_fields(doc))

    def delete(self, key: str) -> None:
        self._writer.delete_by_term("key", key, searcher=self._searcher)

    def commit(self) -> None:
        """Commit; small segments from earlier commits are merged into this one once enough pile up."""
        self._writer.commit(mergetype=_merge_small_segments)
        self._done = True
        after = _file_names(self.directory)
        fsync_files(self.directory, {name for name, mtime in after.items() if self._before.get(name) != mtime})

    def cancel(self) -> None:
        if not self._done:
            self._done = True
            self._writer.cancel()

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.cancel()


class IndexBuilder:
    """Fills a brand-new generation directory in bulk; nothing reads it until the layout publishes it.

    Documents arrive oldest first and are written in phases of PHASE_DOCS: each phase becomes its
    own segment(s), in customer order. The segments are thus slices of time (the newest last, which
    NewestWindow relies on), and within each one a customer's documents sit together, so a search
    within one customer reads a block or two per phase instead of one block per document.
    """

    def __init__(self, directory: Path, *, procs: int = 1, limitmb: int = 256, phase_docs: int | None = None) -> None:
        self.directory = directory
        self.procs = procs
        self.limitmb = limitmb
        self.phase_docs = phase_docs or PHASE_DOCS
        self._index = whoosh_index.create_in(str(directory), make_schema())
        self._buffer: list[SearchDocument] = []
        self._writer = None
        self.count = 0

    @property
    def added(self) -> int:
        """Documents taken so far (written, or waiting for their phase)."""
        return self.count + len(self._buffer)

    def add(self, docs: Iterable[SearchDocument]) -> None:
        for doc in docs:
            self._buffer.append(doc)
            if len(self._buffer) >= self.phase_docs:
                self._write_phase()

    def _write_phase(self) -> None:
        docs, self._buffer = self._buffer, []
        docs.sort(key=lambda doc: doc.customer)  # stable: each customer's documents stay oldest first
        if self.procs > 1 and len(docs) >= 1000:
            # Each writer process takes whole chunks of customers and writes its own segment; the
            # chunks keep customer order, so a customer still sits together within a segment.
            chunk = math.ceil(len(docs) / (self.procs * 4))
            self._writer = self._index.writer(procs=self.procs, multisegment=True, limitmb=self.limitmb,
                                              batchsize=chunk)
        else:
            self._writer = self._index.writer(limitmb=self.limitmb)
        for doc in docs:
            self._writer.add_document(**_fields(doc))
        # No merging: merged phases would no longer be slices of time.
        self._writer.commit(merge=False)
        self._writer = None
        self.count += len(docs)

    def commit(self) -> None:
        if self._buffer or not self.count:
            self._write_phase()
        (self.directory / STAMP).write_text(json.dumps({"format": FORMAT_VERSION, "documents": self.count}))
        fsync_files(self.directory, {entry.name for entry in os.scandir(self.directory) if entry.is_file()})

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None


def open_writer(layout: IndexLayout) -> IndexWriter:
    directory = layout.current_dir()
    if directory is None or not directory.exists():
        raise SearchUnavailable("the search index has not been built yet")
    return IndexWriter(directory)
