"""Where an index generation stands in the shared change log: a position, plus the ids it passed before they committed.

The cursor lives in the generation's own directory (the index is derived; its cursor describes it), is written
after each index commit, and is reported to the database so the log is pruned only behind every live machine.

Ids are handed out when a row is inserted but become visible when its transaction commits, which on
PostgreSQL is not always in id order: an indexer reading 101 before 100 commits records 100 as a gap and
looks for it again until it appears or is old enough to have been rolled back (GAP_WAIT).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.db import Database
from helpdesk.search.layout import fsync_directory
from helpdesk.search.models import SearchLogState, SearchOutbox, SearchPurge, SearchReader
from helpdesk.timeutil import utcnow

CURSOR_FILE = "cursor.json"
MACHINE_FILE = "machine_id"
# A transaction that wrote a log row and has not committed after this long has rolled back (requests are short).
GAP_WAIT = 120.0
# Rows stay at least this long, so a briefly stopped machine catches up from the log instead of rebuilding.
RETAIN = timedelta(minutes=30)
# A machine silent for longer than this no longer holds back pruning (it rebuilds from a snapshot when it returns).
READER_TIMEOUT = timedelta(hours=6)
# A snapshot starts this far back in the log: rows of transactions still open when it began are re-applied.
SNAPSHOT_MARGIN = timedelta(minutes=2)

_O = SearchOutbox.__table__
_R = SearchReader.__table__
_S = SearchLogState.__table__


@dataclass
class Cursor:
    """All log rows with id <= position are applied, except `gaps` (id -> when first missed, epoch seconds)."""

    position: int = 0
    gaps: dict[int, float] = field(default_factory=dict)
    # Erasure purges (search_purge ids) this generation is clean of; each machine purges its own index.
    purged_through: int = 0

    def advance(self, applied_ids: list[int], *, now: float | None = None) -> Cursor:
        """The cursor after applying these rows (read in id order): newly skipped ids become gaps, old gaps expire."""
        now = time.time() if now is None else now
        applied = set(applied_ids)
        gaps = {gap: since for gap, since in self.gaps.items() if gap not in applied and now - since < GAP_WAIT}
        newest = max([self.position, *applied])
        for missing in range(self.position + 1, newest):
            if missing not in applied:
                gaps.setdefault(missing, now)
        return Cursor(newest, gaps, self.purged_through)

    def expired(self, *, now: float | None = None) -> Cursor:
        now = time.time() if now is None else now
        return Cursor(self.position, {gap: since for gap, since in self.gaps.items() if now - since < GAP_WAIT},
                      self.purged_through)

    @property
    def oldest_needed(self) -> int:
        """Rows from this id on may still be needed by this cursor."""
        return min([self.position + 1, *self.gaps])


def read_cursor(directory: Path) -> Cursor | None:
    """The generation's cursor, or None for a generation written before cursors (it is rebuilt)."""
    try:
        data = json.loads((directory / CURSOR_FILE).read_text())
        return Cursor(int(data["position"]), {int(k): float(v) for k, v in data.get("gaps", {}).items()},
                      int(data.get("purged_through", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_cursor(directory: Path, cursor: Cursor) -> None:
    """Replace the cursor file atomically and durably: after a crash it is the old cursor or the new one."""
    temporary = directory / f".{CURSOR_FILE}.{os.getpid()}.tmp"
    with open(temporary, "w") as handle:
        json.dump({"position": cursor.position, "gaps": {str(k): v for k, v in cursor.gaps.items()},
                   "purged_through": cursor.purged_through}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / CURSOR_FILE)
    fsync_directory(directory)


def machine_id(root: Path) -> str:
    """This index directory's identity in the log (made once; a new machine with a new directory gets its own)."""
    path = root / MACHINE_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    candidate = uuid.uuid4().hex
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(candidate)
    return candidate


# --- the log in the database ----------------------------------------------------------------------


def snapshot_cursor(db: Database) -> Cursor:
    """Where a rebuild from a snapshot taken now starts following the log (a little early: re-applying is harmless)."""
    since = utcnow() - SNAPSHOT_MARGIN
    with db.read() as session:
        # A snapshot read after an erasure holds none of the erased text: purges queued so far are done for it.
        purged = session.execute(select(func.max(SearchPurge.__table__.c.id))).scalar() or 0
        first_recent = session.execute(select(func.min(_O.c.id)).where(_O.c.created_at >= since)).scalar()
        if first_recent is not None:
            return Cursor(first_recent - 1, purged_through=purged)
        return Cursor(session.execute(select(func.max(_O.c.id))).scalar() or 0, purged_through=purged)


def pruned_through(db: Database) -> int:
    with db.read() as session:
        return session.execute(select(_S.c.pruned_through)).scalar() or 0


def report(db: Database, *, machine: str, label: str, generation: str, cursor: Cursor) -> None:
    """Tell the other machines where this one is (an upsert; also the heartbeat)."""
    values = {"label": label[:200], "generation": generation, "position": cursor.position,
              "oldest_gap": min(cursor.gaps) if cursor.gaps else None, "updated_at": utcnow()}
    with db.write() as session:
        dialect = session.get_bind(clause=update(_R)).dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(_R).values(machine_id=machine, **values)
        session.execute(statement.on_conflict_do_update(index_elements=[_R.c.machine_id], set_=values))
        session.commit()


def prune(db: Database) -> int:
    """Delete log rows every live machine has passed (and older than RETAIN); returns how many went."""
    now = utcnow()
    with db.write() as session:
        readers = session.execute(select(_R.c.position, _R.c.oldest_gap).where(
            _R.c.updated_at >= now - READER_TIMEOUT)).all()
        if not readers:
            return 0
        needed = min(min(position + 1, gap if gap is not None else position + 1) for position, gap in readers)
        old_enough = session.execute(select(func.max(_O.c.id)).where(_O.c.created_at < now - RETAIN)).scalar()
        if old_enough is None:
            return 0
        through = min(needed - 1, old_enough)
        if through <= 0:
            return 0
        deleted = session.execute(delete(_O).where(_O.c.id <= through)).rowcount
        session.execute(update(_S).where(_S.c.pruned_through < through).values(pruned_through=through))
        session.commit()
        return deleted or 0


def label_for(root: Path) -> str:
    return f"{socket.gethostname()}:{root}"
