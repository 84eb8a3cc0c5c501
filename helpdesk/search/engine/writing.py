"""Writing generations: the bulk builder (time slices in customer order), the indexer's writer, and the health check."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from helpdesk.search.documents import SearchDocument
from helpdesk.search.engine.schema import (
    FORMAT_VERSION,
    STAMP,
    TEXT_FIELD,
    SearchUnavailable,
    document_fields,
    make_schema,
)
from helpdesk.search.layout import fsync_files

# The indexer's commits add small segments, merged in tiers by size (1-9 documents, 10-99, 100-999, ...):
# once a tier holds this many segments they become one segment of the next tier. A merge so only ever
# rewrites segments of similar size, and its cost no longer grows with everything written since the last
# rebuild (merging all small segments together took 0.5 s at 500 documents and 1.3 s at 6,000, on the
# commit path). The rebuild's large time-slice segments (SMALL_SEGMENT_DOCS and up) are never merged.
SEGMENTS_PER_TIER = 10
SMALL_SEGMENT_DOCS = 10_000
# Documents per rebuild phase: one time slice, written in customer order.
PHASE_DOCS = 100_000



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


def _tier(segment) -> int:
    return len(str(max(1, segment.doc_count_all())))  # 1-9 documents: tier 1, 10-99: tier 2, ...


def _merge_small_segments(writer, segments):
    """A Whoosh merge policy: fold a tier of the indexer's small segments into the new one once it is full.

    Whoosh's default (MERGE_SMALL) may merge the rebuild's time slices together, and the newest-window
    search needs them kept apart and in order; merged small segments end up in the new segment, last,
    where the newest documents belong.
    """
    tiers: dict[int, list] = {}
    for segment in segments:
        if segment.doc_count_all() < SMALL_SEGMENT_DOCS:
            tiers.setdefault(_tier(segment), []).append(segment)
    full = next((tier for _, tier in sorted(tiers.items()) if len(tier) >= SEGMENTS_PER_TIER), None)
    if full is None:
        return segments
    for segment in full:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in full]


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
            self._writer.update_document(**document_fields(doc))
            return
        self._writer.delete_by_term("key", doc.key, searcher=self._searcher)
        self._writer.add_document(**document_fields(doc))

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


def segments_with_deleted(directory: Path, fieldname: str, values: Iterable[str]) -> list[tuple[str, int]]:
    """(segment id, documents in it), in index order, for segments holding deleted documents with one of these terms
    (e.g. an erased customer's old documents). A deleted document's words, stored fields and postings stay in its
    segment's files until the segment is rewritten: these are the segments to rewrite."""
    index = whoosh_index.open_dir(str(directory))
    toc = index._read_toc()  # the segment list Whoosh's own readers start from (it has no public accessor)
    values = list(values)
    found = []
    for segment in toc.segments:
        if not segment.has_deletions():
            continue
        reader = SegmentReader(index.storage, toc.schema, segment)
        try:
            for value in values:
                # The term dictionary counts every document the segment was written with; postings skip deleted ones.
                written = reader.doc_frequency(fieldname, value)
                if written and written > len(list(reader.postings(fieldname, value).all_ids())):
                    found.append((segment.segment_id(), segment.doc_count_all()))
                    break
        finally:
            reader.close()
    return found


def rewrite_segments(directory: Path, segment_ids: Iterable[str]) -> int:
    """Copy each segment's live documents into a fresh segment at the same place in the order, then delete the old
    files: what deleted documents left behind (stored fields, terms, postings) is gone from disk. The caller holds
    the layout's write lock. Returns the number of segments rewritten.

    One commit per segment, so each new segment can take its predecessor's place: NewestWindow relies on the
    segments staying in time order.
    """
    rewritten = 0
    for segment_id in segment_ids:
        index = whoosh_index.open_dir(str(directory))
        writer = index.writer(timeout=10)
        position = next((i for i, segment in enumerate(writer.segments) if segment.segment_id() == segment_id), None)
        if position is None:  # merged away meanwhile: its live documents already sit in a newer segment
            writer.cancel()
            continue
        target = writer.segments[position]

        def copy_live_documents(w, segments, target=target):
            if target.doc_count():  # a segment of deleted documents only is simply dropped
                reader = SegmentReader(w.storage, w.schema, target)
                w.add_reader(reader)
                reader.close()
            return [segment for segment in segments if segment is not target]

        commit_toc = writer._commit_toc  # Whoosh appends the new segment last; it belongs where the old one was

        def in_place(segments, writer=writer, position=position, commit_toc=commit_toc):
            if writer._added and segments:
                segments.insert(position, segments.pop())
            commit_toc(segments)

        writer._commit_toc = in_place
        before = _file_names(directory)
        writer.commit(mergetype=copy_live_documents)
        after = _file_names(directory)
        fsync_files(directory, {name for name, mtime in after.items() if before.get(name) != mtime})
        rewritten += 1
    return rewritten


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
            self._writer.add_document(**document_fields(doc))
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
