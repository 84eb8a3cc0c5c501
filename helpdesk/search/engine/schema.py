"""Whoosh's side of our analysis: the schema, the analyzer adapter, and two speed fixes for the pinned Whoosh."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate

from whoosh.analysis import Analyzer
from whoosh.analysis import Token as WhooshToken
from whoosh.codec import whoosh3
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.matching import ReadTooFar

from helpdesk.search import analysis
from helpdesk.search.documents import SearchDocument

# Bump whenever the schema, anything in analysis.py or the segment layout (writing.IndexBuilder)
# changes: an index written by another version is treated like a missing one and rebuilt at start-up.
# HelpdeskAnalyzer's import path is pickled into every index, so moving it also needs a bump.
FORMAT_VERSION = 3
STAMP = "helpdesk-index.json"
TEXT_FIELD = "text"


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


def document_fields(doc: SearchDocument) -> dict:
    fields = {"key": doc.key, "kind": doc.kind, "customer": doc.customer,
              "day": doc.day, "text": doc.text}
    for name in ("channel", "status", "agent"):
        value = getattr(doc, name)
        if value:
            fields[name] = value
    return fields
