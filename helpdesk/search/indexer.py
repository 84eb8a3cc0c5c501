"""The background indexer: one per index directory across processes (a file lock), following the change log in order."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from collections.abc import Callable

from helpdesk import jobs
from helpdesk.db import Database
from helpdesk.search import changes, outbox
from helpdesk.search import cursor as log_cursor
from helpdesk.search.cursor import Cursor, read_cursor, write_cursor
from helpdesk.search import purge
from helpdesk.search.engine import (
    CHECK_REQUEST,
    SearchEngine,
    SearchUnavailable,
    check_generation,
)
from helpdesk.search.layout import IndexLayout, LockTimeout
from helpdesk.search.rebuild import RebuildCancelled, RebuildInProgress, rebuild

log = logging.getLogger("helpdesk.search")

BATCH_SIZE = 500
# Other processes (the CLI, other web workers) cannot wake us: poll often enough that their notes
# are still searchable within a second.
POLL_SECONDS = 0.25
# A process that is not the indexer asks again this often, in case the indexer's process died.
LEADER_RETRY_SECONDS = 2.0
ERROR_BACKOFF_SECONDS = 2.0
# How often an idle indexer tells the database it is alive, and how often it prunes the shared log.
REPORT_SECONDS = 30.0
PRUNE_SECONDS = 300.0
PURGE_REBUILD_RETRY_SECONDS = 60.0


class Indexer:
    """Follows the shared change log into this machine's live generation, from the generation's own cursor.

    Crash-safe by order: read rows past the cursor -> write documents -> commit the index (fsync) -> write the
    cursor. Dying anywhere before the cursor is written re-applies those rows next time, which is harmless
    because documents are replaced by key with their current state, never added twice. Other machines follow
    the same log with their own cursors; nothing here deletes what they still need.
    """

    def __init__(
        self,
        db: Database,
        layout: IndexLayout,
        engine: SearchEngine | None = None,
        *,
        poll_seconds: float = POLL_SECONDS,
        auto_rebuild: bool = True,
    ) -> None:
        self.db = db
        self.layout = layout
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.auto_rebuild = auto_rebuild
        self.before_commit: Callable[[], None] | None = None  # tests simulate a crash here
        self.machine = log_cursor.machine_id(layout.root)
        self._reported_at = float("-inf")
        self._pruned_at = time.monotonic()
        # Our own searcher pool, kept at the latest commit: deletes by key go through it (see IndexWriter).
        self._reader = SearchEngine(layout)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.is_leader = False
        self.rebuilding = False
        self.ready = threading.Event()  # set once the index is checked and searchers are open
        self._purge_rebuild: threading.Thread | None = None
        self._purge_rebuild_started = -PURGE_REBUILD_RETRY_SECONDS
        self.purge_in_place_max_docs = purge.REWRITE_IN_PLACE_MAX_DOCS

    # --- one step, callable from tests -----------------------------------------------------------

    def run_once(self, *, limit: int = BATCH_SIZE) -> int:
        """Apply one batch of the change log past this generation's cursor; returns how many changes it applied."""
        with self.layout.write_lock.hold(timeout=30):
            directory = self.layout.current_dir()
            if directory is None or not directory.exists():
                raise SearchUnavailable("the search index has not been built yet")
            cursor = self._cursor_of(directory)
            pending = changes.read_log(self.db, cursor, limit=limit)
            if pending:
                with self._reader.searcher(fresh=True) as searcher:
                    changes.apply(self.db, directory, pending, before_commit=self.before_commit, searcher=searcher)
                if self.engine is not None:
                    self.engine.notify_changed()  # searchable now; the cursor below only records it
                # After the index commit: a crash in between re-applies these changes, which changes nothing.
                cursor = cursor.advance([change.outbox_id for change in pending])
                write_cursor(directory, cursor)
            elif cursor.gaps and (expired := cursor.expired()).gaps != cursor.gaps:
                cursor = expired
                write_cursor(directory, cursor)
        self._report(directory, cursor, force=bool(pending))
        return len(pending)

    def _cursor_of(self, directory) -> Cursor:
        cursor = read_cursor(directory)
        if cursor is None:
            raise SearchUnavailable(f"the search index at {directory} has no log cursor (an older format)")
        if cursor.position < log_cursor.pruned_through(self.db):
            raise SearchUnavailable(f"the search index at {directory} fell behind the pruned change log")
        return cursor

    def _report(self, directory, cursor: Cursor, *, force: bool) -> None:
        """Heartbeat and position for the other machines; now and then, prune what every machine has passed."""
        now = time.monotonic()
        if force or now - self._reported_at >= REPORT_SECONDS:
            log_cursor.report(self.db, machine=self.machine, label=log_cursor.label_for(self.layout.root),
                              generation=directory.name, cursor=cursor)
            self._reported_at = now
        if now - self._pruned_at >= PRUNE_SECONDS:
            self._pruned_at = now
            # One machine prunes at a time (the others skip this round); the lease outlives a slow prune.
            if jobs.take(self.db, "search-log-prune", for_=timedelta(seconds=PRUNE_SECONDS)) and (
                    pruned := log_cursor.prune(self.db)):
                log.info("search change log: pruned %s rows every machine has applied", f"{pruned:,}")

    def drain(self, *, timeout: float = 30.0) -> int:
        """Apply everything pending now (tests, the CLI); returns how many changes were applied."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            done = self.run_once()
            if not done:
                while self.purge_step() and time.monotonic() < deadline:
                    pass
                return total
            total += done
        return total

    def purge_step(self) -> bool:
        """One step of taking erased customers' text out of every index file (helpdesk/search/purge.py); True when it
        did something. Big segments are left to a rebuild in a thread of its own, while this one keeps indexing."""
        step = purge.run_step(self.db, self.layout, in_place_max_docs=self.purge_in_place_max_docs)
        if step == purge.Step.NEEDS_REBUILD:
            idle = self._purge_rebuild is None or not self._purge_rebuild.is_alive()
            # A rebuild that failed is tried again after a pause, not on every poll.
            if idle and time.monotonic() - self._purge_rebuild_started > PURGE_REBUILD_RETRY_SECONDS:
                self._purge_rebuild_started = time.monotonic()
                self._purge_rebuild = threading.Thread(target=self._rebuild_for_purge, name="search-purge-rebuild",
                                                       daemon=True)
                self._purge_rebuild.start()
            return False
        if step != purge.Step.IDLE and self.engine is not None:
            self.engine.notify_changed()
        return step != purge.Step.IDLE

    def _rebuild_for_purge(self) -> None:
        try:
            rebuild(self.db, self.layout, procs=1, should_stop=self._stop.is_set,
                    on_published=self.engine.notify_changed if self.engine else None)
        except (RebuildInProgress, RebuildCancelled) as exc:
            log.info("search index: rebuild for an erasure did not run (%s); trying again later", exc)
        except Exception:  # the next purge step asks again
            log.exception("search index: rebuild for an erasure failed")

    # --- health -----------------------------------------------------------------------------------

    def ensure_index(self) -> bool:
        """Check the live generation; rebuild it from the database if it is missing, old or damaged."""
        request = self.layout.root / CHECK_REQUEST
        directory = self.layout.current_dir()
        problem = None
        if directory is None or not directory.exists():
            problem = f"the search index in {self.layout.root} is missing"
        else:
            try:
                check_generation(directory)
                self._cursor_of(directory)
            except SearchUnavailable as exc:
                problem = str(exc)
        request.unlink(missing_ok=True)
        if problem is None:
            return True
        if not self.auto_rebuild:
            log.error("%s; run `helpdesk index rebuild`", problem)
            return False
        log.warning("%s: rebuilding it from the database (search answers again when it is done)", problem)
        self.rebuilding = True
        try:
            rebuild(self.db, self.layout, procs=1, should_stop=self._stop.is_set,
                    on_published=self.engine.notify_changed if self.engine else None)
            return True
        except RebuildInProgress:
            log.info("search index: another process is rebuilding it; waiting for that")
            return False
        except RebuildCancelled:
            log.info("search index: rebuild stopped because the app is shutting down")
            return False
        finally:
            self.rebuilding = False

    def _warm_up(self) -> None:
        """Open searchers now (a few hundred ms on a big index), not on the first note or the first search."""
        for engine in (self._reader, self.engine):
            if engine is not None:
                with engine.searcher():
                    pass

    # --- the thread -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        outbox.wake()
        if self._purge_rebuild is not None:
            self._purge_rebuild.join(timeout)
            self._purge_rebuild = None
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("search indexer did not stop within %.0f s", timeout)
            self._thread = None
        if self.is_leader:
            self.layout.leader_lock.release()
            self.is_leader = False
        self._reader.close()
        self._reader.reopen()

    def _run(self) -> None:
        healthy = False
        while not self._stop.is_set():
            try:
                if not self.is_leader:
                    self.is_leader = self.layout.leader_lock.acquire(timeout=0)
                    if not self.is_leader:
                        self._stop.wait(LEADER_RETRY_SECONDS)
                        continue
                    log.info("search indexer: this process (%s) writes the index", threading.get_native_id())
                if not healthy or (self.layout.root / CHECK_REQUEST).exists():
                    healthy = self.ensure_index()
                    if not healthy:
                        self._stop.wait(ERROR_BACKOFF_SECONDS)
                        continue
                    self._warm_up()
                    self.ready.set()
                seen = outbox.commits_seen()
                if self.run_once() == 0 and not self.purge_step():
                    outbox.wait_for_commit(seen, self.poll_seconds, stop=self._stop)
            except (SearchUnavailable, LockTimeout) as exc:
                log.warning("search indexer: %s", exc)
                healthy = False
                self._stop.wait(ERROR_BACKOFF_SECONDS)
            except Exception:  # the thread must outlive any one bad batch (logged with its traceback)
                log.exception("search indexer: a batch failed; retrying")
                self._stop.wait(ERROR_BACKOFF_SECONDS)
