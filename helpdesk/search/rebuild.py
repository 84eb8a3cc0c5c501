"""Rebuild the index from the database into a new generation, catch up on the outbox, and swap it in by rename."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass

from helpdesk.db import Database
from helpdesk.search import changes, documents
from helpdesk.search import cursor as log_cursor
from helpdesk.search.engine import IndexBuilder, check_generation
from helpdesk.search.layout import IndexLayout

log = logging.getLogger("helpdesk.search")

CATCH_UP_BATCH = 2000
# Whoosh's in-memory posting pool per writer process: at 256 MB a million documents spill to disk
# and merge runs in Python; 1 GB roughly halved the commit on the benchmark corpus.
DEFAULT_LIMIT_MB = 1024


class RebuildInProgress(RuntimeError):
    """Another rebuild holds the rebuild lock."""


class RebuildCancelled(RuntimeError):
    """The caller asked the rebuild to stop (the app is shutting down)."""


@dataclass
class RebuildReport:
    generation: str
    documents: int
    caught_up: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def default_procs() -> int:
    """Two writer processes where there are two cores: each writes its own segment."""
    return max(1, min(2, os.cpu_count() or 1))


def rebuild(
    db: Database,
    layout: IndexLayout,
    *,
    procs: int = 1,
    limitmb: int = DEFAULT_LIMIT_MB,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_published: Callable[[], None] | None = None,
) -> RebuildReport:
    """Build a complete new generation while the old one keeps answering, then make it current.

    The new generation's cursor is taken before the first document is read (a little early: changes that
    were in flight are applied again, harmlessly); after the bulk build it follows the log to the end under
    write_lock, is published, and from then on the indexer carries it on. The live generation keeps following
    the log meanwhile, and no other machine's index is touched: each has its own directory and cursor.
    """
    if not layout.rebuild_lock.acquire(timeout=0):
        raise RebuildInProgress("another rebuild of the search index is running")
    started = time.monotonic()
    try:
        layout.prune()
        cursor = log_cursor.snapshot_cursor(db)
        with db.read() as session:
            total = documents.count_all(session)
        directory = layout.new_generation()
        log.info("search index: rebuilding %s documents into %s", f"{total:,}", directory.name)
        builder = IndexBuilder(directory, procs=procs, limitmb=limitmb)
        try:
            if progress:
                progress(0, total)
            for batch in documents.iter_all(db.snapshot):
                if should_stop and should_stop():
                    raise RebuildCancelled("the rebuild was stopped")
                builder.add(batch)
                if progress:
                    progress(builder.added, max(total, builder.added))
            builder.commit()
            check_generation(directory)
            log_cursor.write_cursor(directory, cursor)
        except BaseException:
            builder.cancel()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        caught_up = 0
        with layout.write_lock.hold(timeout=120):
            while pending := changes.read_log(db, cursor, limit=CATCH_UP_BATCH):
                caught_up += changes.apply(db, directory, pending)
                cursor = cursor.advance([change.outbox_id for change in pending])
                log_cursor.write_cursor(directory, cursor)
            layout.publish(directory)
            if on_published:
                on_published()
        log_cursor.report(db, machine=log_cursor.machine_id(layout.root), label=log_cursor.label_for(layout.root),
                          generation=directory.name, cursor=cursor)
        layout.prune()
        report = RebuildReport(directory.name, builder.count, caught_up, time.monotonic() - started)
        log.info("search index: %s is live with %s documents (%s caught up from the change log) after %.1f s",
                 directory.name, f"{report.documents:,}", caught_up, report.seconds)
        return report
    finally:
        layout.rebuild_lock.release()


def index_is_usable(layout: IndexLayout) -> bool:
    """True when the live generation opens and reads (so `helpdesk demo` can skip a rebuild)."""
    directory = layout.current_dir()
    if directory is None or not directory.exists():
        return False
    try:
        check_generation(directory)
    except Exception:  # noqa: BLE001 - any failure to read it means "rebuild it"
        return False
    return True


def rebuild_with_progress_bar(db: Database, layout: IndexLayout, *, procs: int, show_progress: bool = True) -> RebuildReport:
    """The CLI's rebuild: a rich progress bar with the rate and time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if not show_progress:
        return rebuild(db, layout, procs=procs)
    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]} docs/s"),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("rebuild", total=None, rate="-")
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            elapsed = time.monotonic() - started
            bar.update(task, completed=done, total=total, rate=f"{done / elapsed:,.0f}" if elapsed > 0 else "-")

        return rebuild(db, layout, procs=procs, progress=progress)
