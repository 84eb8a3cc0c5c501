"""Backups of both stores: SQLite through its online backup API (consistent, WAL included), PostgreSQL by pg_dump."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from helpdesk.config import Settings
from helpdesk.timeutil import utcnow


class BackupError(RuntimeError):
    """The backup could not be made; the message says why in one line."""


@dataclass
class BackupReport:
    files: list[Path]
    commands: list[str]


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """The online backup API: a consistent copy while the desk keeps writing (never copy the file without its -wal)."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy of {source.name} failed its integrity check")
    origin.close()
    copy.close()


def pg_dump_command(url: str, target: Path) -> str:
    """The pg_dump line for one PostgreSQL store (custom format, restorable with pg_restore)."""
    parsed = make_url(url).set(drivername="postgresql", query={})
    options = make_url(url).query.get("options", "")
    schema = options.split("search_path=", 1)[1] if "search_path=" in options else None
    dsn = parsed.render_as_string(hide_password=True)
    return f"pg_dump --format=custom --file={target} {f'--schema={schema} ' if schema else ''}'{dsn}'"


def backup(settings: Settings, directory: Path, *, now: datetime | None = None) -> BackupReport:
    """Copy both SQLite stores into `directory` (timestamped); for PostgreSQL stores, the pg_dump commands to run."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or utcnow()).strftime("%Y%m%d-%H%M%S")
    report = BackupReport(files=[], commands=[])
    for name, url in (("helpdesk", settings.database_url), ("helpdesk-personal", settings.personal_database_url)):
        path = _sqlite_path(url)
        if path is not None:
            target = directory / f"{name}-{stamp}.db"
            _copy_sqlite(path, target)
            target.chmod(0o600)
            report.files.append(target)
        elif make_url(url).get_backend_name() == "postgresql":
            report.commands.append(pg_dump_command(url, directory / f"{name}-{stamp}.dump"))
        else:
            raise BackupError(f"cannot back up {make_url(url).get_backend_name()} stores")
    return report
