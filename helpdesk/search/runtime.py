"""Search inside the web process: the shared reader, and the indexer thread started and stopped with the app."""

from __future__ import annotations

import logging
import threading

from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.search.engine import SearchEngine
from helpdesk.search.indexer import Indexer
from helpdesk.search.layout import IndexLayout

log = logging.getLogger("helpdesk.search")


class SearchRuntime:
    """What the app keeps in its state: `engine` for handlers, and an indexer that runs between startup and shutdown."""

    def __init__(self, settings: Settings, *, run_indexer: bool = True) -> None:
        self.settings = settings
        self.layout = IndexLayout(settings.index_dir)
        self.engine = SearchEngine(self.layout)
        self.run_indexer = run_indexer
        self.indexer: Indexer | None = None
        self._indexer_db: Database | None = None
        self._lock = threading.Lock()
        self._starts = 0

    def start(self) -> None:
        """Start the indexer thread; it becomes the index's writer only if no other process is.

        Counted: an app whose lifespan runs twice at once (a server and a test client in one test
        session) keeps searching until the last of them shuts down.
        """
        with self._lock:
            self._starts += 1
            if self._starts > 1:
                return
        self.engine.reopen()
        if not self.run_indexer or self.indexer is not None:
            return
        # The indexer gets its own connection pool: its polling never competes with (or shows up
        # in the query counts of) request handlers.
        self._indexer_db = Database.from_settings(self.settings)
        self.indexer = Indexer(self._indexer_db, self.layout, self.engine)
        self.indexer.start()

    def stop(self) -> None:
        with self._lock:
            self._starts = max(0, self._starts - 1)
            if self._starts:
                return
        if self.indexer is not None:
            self.indexer.stop()
            self.indexer = None
        if self._indexer_db is not None:
            self._indexer_db.dispose()
            self._indexer_db = None
        self.engine.close()

    @property
    def status(self) -> str:
        """A one-line state for pages: "ready", "building" or "missing"."""
        if self.indexer is not None and self.indexer.rebuilding:
            return "building"
        if self.layout.current_dir() is None:
            return "building" if self.layout.rebuild_lock.is_locked() else "missing"
        return "ready"
