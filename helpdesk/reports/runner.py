"""The background refresher: a thread in the web process that folds marked changes into the aggregate tables every
few seconds, and rebuilds them in full when the day changes (HELPDESK_STATS_REFRESH_SECONDS; 0 turns it off).

Every process runs one, but only the holder of the "stats-refresh" lease (helpdesk/jobs.py) works: one refresher
across all workers and machines.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from helpdesk import jobs

from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.reports.refresh import refresh

log = logging.getLogger("helpdesk.reports")
ERROR_BACKOFF_SECONDS = 30.0
LEASE = "stats-refresh"
LEASE_MIN_SECONDS = 120.0


class StatsRefresher:
    """Started and stopped with the app (counted: a test client and a server may share one app)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.interval = settings.reports.refresh_seconds
        self._lock = threading.Lock()
        self._starts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._db: Database | None = None

    def start(self) -> None:
        with self._lock:
            self._starts += 1
            if self._starts > 1 or self.interval <= 0:
                return
            # Its own connection pool, so its queries never compete with (or show in the counts of) requests.
            self._db = Database.from_settings(self.settings)
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="stats-refresher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._starts = max(0, self._starts - 1)
            if self._starts or self._thread is None:
                return
            self._stop.set()
            thread, self._thread = self._thread, None
        thread.join(timeout=60)
        if self._db is not None:
            jobs.release(self._db, LEASE)
            self._db.dispose()
            self._db = None

    def _run(self) -> None:
        wait = 0.0
        while not self._stop.wait(wait):
            try:
                wait = self.interval
                # Held well past one interval, renewed on every round; a dead holder's lease runs out.
                if not jobs.take(self._db, LEASE, for_=timedelta(seconds=max(LEASE_MIN_SECONDS, 10 * self.interval))):
                    continue
                report = refresh(self._db, self.settings.reports)
                if report.kind in ("full", "incremental"):
                    log.info("%s", report) if report.kind == "full" else log.debug("%s", report)
                wait = self.interval
            except Exception:  # noqa: BLE001 - a failed step must not end the thread; the next one retries
                log.exception("stats refresh failed; retrying in %.0f s", ERROR_BACKOFF_SECONDS)
                wait = ERROR_BACKOFF_SECONDS
