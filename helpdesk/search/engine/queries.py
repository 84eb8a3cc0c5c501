"""Our query clauses as Whoosh queries: conjunctions driven by their rarest part, filters, the newest-window, phrases first."""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.matching import IntersectionMatcher, Matcher, WrappingMatcher
from whoosh.reading import TermNotFound

from helpdesk.search import analysis
from helpdesk.search.engine.schema import TEXT_FIELD
from helpdesk.search.syntax import AnyOf, Clause, Not, ParsedQuery, Phrase, Prefix, Words

# A prefix like "co*" could name thousands of terms; we read at most this many and keep the commonest.
PREFIX_SCAN_LIMIT = 5000
PREFIX_TERMS_KEPT = 64
# Words typed together that also appear together rank first ("compressor noise"). Whoosh's own
# phrase scoring (AndMaybe + Phrase) cost up to seconds on common words, because its phrase matcher
# scans from the first document; we re-rank the best RERANK_WINDOW hits by reading positions instead.
PHRASE_MAX_WORDS = 6
RERANK_WINDOW = 100
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

    def skip_to(self, id: int) -> None:  # "id" is the name Whoosh calls it with
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


def all_of(parts: list[wq.Query]) -> wq.Query:
    """One flat conjunction (nested ones merged), or the single part."""
    flat: list[wq.Query] = []
    for part in parts:
        flat.extend(part.subqueries if isinstance(part, wq.And) and part.boost == 1.0 else [part])
    return flat[0] if len(flat) == 1 else Conjunction(flat)


def filter_queries(filters: Filters) -> list[wq.Query]:
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


class QueryBuilder:
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
        combined = all_of(positive)
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
        return all_of(parts)

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


def live_frequency(reader, term: str) -> int:
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


def phrases_first(reader, ranked: list[tuple[float, int]], phrases: list[list[str]]) -> list[tuple[float, int]]:
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
